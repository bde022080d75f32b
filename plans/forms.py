from django import forms
from django.utils.translation import gettext_lazy as _

from gebiedsplan.numbers import IntegerCommaField

from .models import FigureTable
from .sanitize import RichTextField
from .widgets import EditorRenderer


class FigureTableForm(forms.Form):
    heading = forms.CharField(label=_("Kop eerste kolom"), required=False, max_length=200)
    layout = forms.ChoiceField(label=_("Indeling"), choices=FigureTable.Layout.choices)
    year = forms.TypedChoiceField(label=_("Jaar van de cijfers"), coerce=int)
    indicators = forms.MultipleChoiceField(
        label=_("Indicatoren"), widget=forms.CheckboxSelectMultiple
    )
    neighbourhoods = forms.MultipleChoiceField(
        label=_("Gebieden"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, years, indicators, neighbourhoods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["indicators"].choices = indicators
        self.fields["neighbourhoods"].choices = neighbourhoods


class ThemeForm(forms.ModelForm):
    class Meta:
        from .models import Theme

        model = Theme
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class PlanTemplateForm(forms.ModelForm):
    class Meta:
        from .models import PlanTemplate

        model = PlanTemplate
        fields = ["name", "document_type", "years"]
        field_classes = {"years": IntegerCommaField}


class TemplateSectionForm(forms.ModelForm):
    class Meta:
        from .models import TemplateSection

        model = TemplateSection
        fields = ["kind", "heading", "contents_label", "parent", "numbered", "appendix", "intro", "card_rows", "card_kinds"]
        widgets = {"card_kinds": forms.Textarea(attrs={"rows": 2})}
        # The default text a new plan's section starts with: a plan text like any other.
        field_classes = {"intro": RichTextField}

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a chapter of this template can hold a sub-section; never itself.
        parents = template.sections.filter(parent=None)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = False


class CitationForm(forms.Form):
    """Cite one figure: an indicator for a region of the area in a year."""

    default_renderer = EditorRenderer()

    indicator = forms.TypedChoiceField(label=_("Indicator"), coerce=int)
    neighbourhood = forms.TypedChoiceField(label=_("Gebied"), coerce=int)
    year = forms.TypedChoiceField(label=_("Jaar"), coerce=int)
    # For a goal: the goal itself (empty) or one of its indicators.
    target = forms.TypedChoiceField(label=_("Bij"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, indicators, neighbourhoods, years, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = indicators
        self.fields["neighbourhood"].choices = neighbourhoods
        self.fields["year"].choices = [(y, str(y)) for y in years]
        if targets:
            self.fields["target"].choices = [("", _("het doel zelf")), *targets]
        else:
            del self.fields["target"]
        for field in self.fields.values():
            field.widget.attrs["class"] = "utrecht-select"


def _label(name: str):
    from django.utils.text import capfirst

    from .models import Plan

    return capfirst(Plan._meta.get_field(name).verbose_name)


class ColophonForm(forms.Form):
    """The colophon's own fields (plans.services.COLOPHON_FIELDS), labelled as the model
    names them (the history uses the same labels). plans.services.colophon_clean checks
    them again on save; here every problem is shown at its field, in Dutch."""

    default_renderer = EditorRenderer()

    title = forms.CharField(
        label=_label("title"), max_length=300, error_messages={"required": _("Vul de titel van het plan in.")}
    )
    tagline = forms.CharField(label=_label("tagline"), max_length=300, required=False)
    publication_date = forms.DateField(
        label=_label("publication_date"),
        required=False,
        # Typed without the browser's date picker, a Dutch date reads day-month-year.
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Vul de publicatiedatum in als dag-maand-jaar, bijvoorbeeld 1-3-2026.")},
    )
    publisher = forms.CharField(label=_label("publisher"), max_length=200, required=False)
    publisher_address = forms.CharField(label=_label("publisher_address"), max_length=300, required=False)
    publisher_email = forms.EmailField(
        label=_label("publisher_email"),
        required=False,
        error_messages={"invalid": _("Vul een geldig e-mailadres in, bijvoorbeeld info@welzijn.nl.")},
    )
    publisher_phone = forms.CharField(label=_label("publisher_phone"), max_length=40, required=False)
    authors = forms.CharField(label=_label("authors"), max_length=300, required=False)
    design = forms.CharField(label=_label("design"), max_length=200, required=False)
    photography = forms.CharField(label=_label("photography"), max_length=200, required=False)
    copyright = forms.CharField(label=_label("copyright"), max_length=200, required=False)
    colophon_text = RichTextField(label=_label("colophon_text"), required=False)

    # The editor groups the fields as the colophon reads: the document, its publisher, its makers.
    GROUPS = [
        (_("Het document"), ["title", "tagline", "publication_date"]),
        (_("Uitgever"), ["publisher", "publisher_address", "publisher_email", "publisher_phone"]),
        (_("Makers en rechten"), ["authors", "design", "photography", "copyright"]),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if name == "colophon_text":
                widget.attrs.update(
                    rows=8, cols=60, **{"class": "utrecht-textarea rich-text", "aria-describedby": "colophon-text-help"}
                )
            else:
                widget.attrs["class"] = "utrecht-textbox utrecht-textbox--html-input"
            if name == "publisher_email":
                widget.attrs["autocomplete"] = "email"
            elif name == "publisher_phone":
                widget.input_type = "tel"
                widget.attrs["autocomplete"] = "tel"

    def groups(self):
        """The fieldsets of the editor: (legend, [bound fields])."""
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]


class CoverForm(forms.Form):
    """What the cover shows besides the title: the kind of document and the photo.
    plans.services.plan_cover_update checks the photo itself (its content, its size)."""

    document_type = forms.ChoiceField(
        label=_("Soort document"), error_messages={"invalid_choice": _("Kies een soort document uit de lijst.")}
    )
    cover = forms.FileField(
        label=_("Nieuwe omslagfoto"),
        required=False,
        error_messages={
            "empty": _("Het gekozen bestand is leeg. Kies een JPEG-, PNG- of WebP-foto."),
            "invalid": _("Er is geen bestand meegestuurd. Kies de foto opnieuw."),
        },
        widget=forms.FileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "aria-describedby": "cover-help",
                   "class": "utrecht-textbox cover-form__file"}
        ),
    )
    remove_cover = forms.BooleanField(label=_("Omslagfoto verwijderen"), required=False)

    def __init__(self, *args, document_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = [(t, t) for t in document_types]
        self.fields["document_type"].widget.attrs["class"] = "utrecht-select"
        self.fields["remove_cover"].widget.attrs["class"] = "utrecht-checkbox"
