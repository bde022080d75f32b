from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FigureTable


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
