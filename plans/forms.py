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
