from django import forms
from django.utils.translation import gettext_lazy as _

from gebiedsplan.numbers import IntegerCommaField


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Bestand"),
        help_text=_(
            "CSV, Excel (xlsx) of GeoJSON: een CBS- of GGD-export of een eigen tabel met CBS-codes."
        ),
    )
    year = IntegerCommaField(
        label=_("Jaar"),
        required=False,
        min_value=1990,
        max_value=2100,
        help_text=_("Alleen nodig als het bestand zelf geen jaar noemt."),
    )
    sheet = forms.CharField(
        label=_("Werkblad"),
        required=False,
        max_length=100,
        help_text=_("Alleen bij een Excel-bestand met meerdere bladen."),
    )
    source = forms.CharField(
        label=_("Bron"),
        required=False,
        max_length=200,
        help_text=_("Zoals die bij de cijfers komt te staan, bijvoorbeeld ‘CBS 2024’."),
    )


class StaffImportForm(ImportForm):
    """Staff choose, explicitly, whose figures an upload writes (coordinators cannot)."""

    OWN = "own"
    PUBLIC = "public"

    owner = forms.ChoiceField(
        label=_("Van wie zijn deze cijfers?"),
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, organisation_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            (
                self.OWN,
                _("Eigen cijfers van %(organisation)s (alleen deze organisatie ziet ze)")
                % {"organisation": organisation_name},
            ),
            (
                self.PUBLIC,
                _("Openbare statistiek (CBS, GGD): voor alle organisaties"),
            ),
        ]
