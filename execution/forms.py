"""Forms of the execution pages. Every choice of a related row (focus point, intervention,
indicator, region) is a select limited to this plan and its area: a posted id of another
plan's row is refused by the form ("Kies een geldige optie") before a service sees it."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gebiedsplan.numbers import DecimalCommaField, IntegerCommaField
from plans.models import FocusPoint, Intervention, Plan
from wijkdata import selectors as figures
from wijkdata.models import Indicator, Neighbourhood

from .models import Action, BudgetLine, ExecutionPlan, Target


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "utrecht-select")
        elif isinstance(widget, forms.Textarea):
            widget.attrs.setdefault("class", "utrecht-textarea")
            widget.attrs["rows"] = 3
        else:
            widget.attrs.setdefault("class", "utrecht-textbox")


class ExecutionPlanForm(forms.ModelForm):
    class Meta:
        model = ExecutionPlan
        fields = ["title", "focus_point", "intervention", "urgency", "reach", "feasibility", "lead", "work_group"]
        labels = {
            "reach": _("Bereik (doelgroepen, verwacht bereik, hoe we het volgen)"),
            "work_group": _("Werkgroep (partnerorganisaties, één per regel)"),
        }
        error_messages = {"title": {"required": _("Geef het uitvoeringsplan een titel.")}}

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focus_point"].queryset = FocusPoint.objects.filter(section__plan=plan).order_by(
            "section__order", "order", "id"
        )
        self.fields["intervention"].queryset = Intervention.objects.filter(section__plan=plan).order_by(
            "section__order", "order", "id"
        )
        self.fields["focus_point"].empty_label = _("Geen focuspunt")
        self.fields["intervention"].empty_label = _("Geen interventie")
        _style(self)


def quarter_choices(plan: Plan, extra: tuple[int, int] | None = None) -> list[tuple[str, str]]:
    """The quarters of the plan's period (and the year after it, for actions that run on),
    plus the one an action already has if it lies outside."""
    quarters = [(y, q) for y in range(plan.period_start, plan.period_end + 2) for q in (1, 2, 3, 4)]
    if extra and extra[0] and extra not in quarters:
        quarters = sorted([*quarters, extra])
    return [("", _("Geen kwartaal")), *((f"{y}-{q}", f"{y}-K{q}") for y, q in quarters)]


class ActionForm(forms.ModelForm):
    planned = forms.ChoiceField(label=_("Gepland kwartaal"), required=False)

    class Meta:
        model = Action
        fields = ["title", "owner", "contact_email", "planned", "due_date", "status", "kind", "notes"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"status": _("Status"), "kind": _("Soort")}
        error_messages = {"title": {"required": _("Geef de actie een titel.")}}

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        current = (self.instance.planned_year, self.instance.planned_quarter)
        self.fields["planned"].choices = quarter_choices(plan, current if current[0] else None)
        if self.instance.planned_year:
            self.initial["planned"] = f"{self.instance.planned_year}-{self.instance.planned_quarter}"
        self.fields["status"].choices = [("", _("Zonder status")), *Action.Status.choices]
        _style(self)

    def clean(self):
        data = super().clean()
        planned = data.pop("planned", "") or ""
        year, _sep, quarter = planned.partition("-")
        data["planned_year"] = int(year) if planned else None
        data["planned_quarter"] = int(quarter) if planned else None
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        return {name: data[name] for name in [*self.Meta.fields, "planned_year", "planned_quarter"] if name in data}


def region_choices(plan: Plan) -> list[Neighbourhood]:
    """The area's regions (its own, their buurten, the municipality), newest row per code."""
    area = plan.area
    newest: dict[str, Neighbourhood] = {}
    for region in Neighbourhood.objects.filter(
        figures.region_filter(figures.area_codes(area)) | Q(code=area.organisation.municipality_code)
    ).order_by("year"):
        newest[region.code] = region
    regions = figures.tree_order(list(newest.values()))
    regions.sort(key=lambda r: r.level != Neighbourhood.Level.MUNICIPALITY)
    return regions


class TargetForm(forms.ModelForm):
    baseline = DecimalCommaField(label=_("Nulmeting"), required=False)
    baseline_year = IntegerCommaField(label=_("Jaar nulmeting"), required=False)
    goal = DecimalCommaField(label=_("Streefwaarde"), required=False)

    class Meta:
        model = Target
        fields = ["statement", "indicator", "neighbourhood", "baseline", "baseline_year", "goal"]
        labels = {"statement": _("Doel"), "neighbourhood": _("Gebied van de indicator")}
        error_messages = {"statement": {"required": _("Beschrijf het doel.")}}

    def __init__(self, *args, plan: Plan, regions: list[Neighbourhood] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        regions = region_choices(plan) if regions is None else regions
        codes = [r.code for r in regions]
        self.fields["indicator"].queryset = figures.visible_indicators(
            plan.area.organisation_id,
            Indicator.objects.filter(values__neighbourhood__code__in=codes).distinct().order_by("category", "order", "name"),
        )
        self.fields["indicator"].empty_label = _("Geen indicator")
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.filter(pk__in=[r.pk for r in regions])
        self.fields["neighbourhood"].choices = [("", _("Kies een gebied")), *((r.pk, figures.region_label(r)) for r in regions)]
        _style(self)

    def clean(self):
        data = super().clean()
        if data.get("indicator") and not data.get("neighbourhood"):
            self.add_error("neighbourhood", _("Kies bij een indicator ook het gebied waarvan je de waarde volgt."))
        return data


class BudgetLineForm(forms.ModelForm):
    year = IntegerCommaField(label=_("Jaar"), error_messages={"required": _("Vul het jaar van het budget in.")})
    amount = DecimalCommaField(label=_("Bedrag (euro)"), required=False)

    class Meta:
        model = BudgetLine
        fields = ["year", "amount", "source", "note"]
        labels = {"source": _("Financieringsbron"), "note": _("Toelichting")}
        help_texts = {"source": _("Bijvoorbeeld SPUK/GALA of programmabegroting.")}
        error_messages = {"source": {"required": _("Noem de financieringsbron, bijvoorbeeld SPUK/GALA of programmabegroting.")}}

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("year", plan.period_start)
        _style(self)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("Vul een jaar tussen 2000 en 2100 in."))
        return year
