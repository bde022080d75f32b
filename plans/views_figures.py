"""The figures editor: which indicators and neighbourhoods a figures section shows.

The choices come from the area's neighbourhood data (wijkdata); the writes go through the
plan services, which raise the plan's revision.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wijkdata import selectors
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood
from wijkdata.selectors import visible_filter, visible_values

from .forms import FigureTableForm
from .models import FigureTable, Membership, SectionKind
from .selectors import get_plan_for_user
from .services import figure_table_delete, figure_table_save, section_add

EDIT_ROLES = (Membership.Role.COORDINATOR,)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _selection_choices(plan, year: int | None):
    area = plan.area
    municipality_code = area.organisation.municipality_code
    codes = selectors.area_codes(area)
    years = selectors.area_years(area)
    if year not in years:
        year = years[0] if years else plan.period_start
    regions = list(
        Neighbourhood.objects.filter(year=year).filter(
            selectors.region_filter(codes) | Q(code=municipality_code)
        )
    )
    regions = selectors.tree_order(regions)
    regions.sort(key=lambda r: r.level != Neighbourhood.Level.MUNICIPALITY)
    indicators = (
        list(
            # Indicators with figures the organisation sees (its own or public), in one
            # filter() so that the conditions hold for the same figure.
            Indicator.objects.filter(
                visible_filter(area.organisation_id, prefix="values__"),
                values__neighbourhood__in=regions,
                values__year=year,
            )
            .distinct()
            .order_by("category", "order", "name")
        )
        if regions
        else []
    )
    return (
        years or [year],
        year,
        [(str(i.id), f"{i.name} ({i.get_category_display().lower()})") for i in indicators],
        [(str(r.id), selectors.region_label(r)) for r in regions],
    )


@require_http_methods(["GET", "POST"])
@login_required
def plan_figures(request: HttpRequest, code) -> HttpResponse:
    plan = get_plan_for_user(request.user, code, roles=EDIT_ROLES)
    sections = list(plan.sections.filter(kind=SectionKind.FIGURES))
    section_code = request.GET.get("onderdeel") or request.POST.get("onderdeel")
    section = next((s for s in sections if section_code and s.code.hex == section_code.replace("-", "")), None)
    if section_code and section is None:
        raise Http404
    section = section or (sections[0] if sections else None)
    tables = (
        list(section.figure_tables.prefetch_related("indicator_rows", "neighbourhood_rows")) if section else []
    )
    table = None
    table_id = _int(request.GET.get("tabel") or request.POST.get("tabel"))
    if table_id:
        table = next((t for t in tables if t.id == table_id), None)
        if table is None:
            raise Http404
    year = _int(request.POST.get("year") or request.GET.get("year") or request.GET.get("jaar")) or (
        table.year if table else None
    )
    years, year, indicator_choices, region_choices = _selection_choices(plan, year)
    initial = {"year": year, "layout": FigureTable.Layout.INDICATOR_ROWS}
    if table:
        initial.update(
            {
                "heading": table.heading,
                "layout": table.layout,
                "indicators": [str(r.indicator_id) for r in table.indicator_rows.all()],
                "neighbourhoods": [str(r.neighbourhood_id) for r in table.neighbourhood_rows.all()],
            }
        )
    form = FigureTableForm(
        request.POST if request.method == "POST" and "save" in request.POST else None,
        initial=initial,
        years=years,
        indicators=indicator_choices,
        neighbourhoods=region_choices,
    )
    back = reverse("plans:plan_figures", args=[plan.code]) + (f"?onderdeel={section.code.hex}" if section else "")
    if request.method == "POST" and request.POST.get("delete") and table:
        figure_table_delete(table=table)
        messages.success(request, _("De tabel is verwijderd."))
        return redirect(back)
    if request.method == "POST" and form.is_bound and form.is_valid():
        data = form.cleaned_data
        if section is None:
            section = section_add(plan=plan, kind=SectionKind.FIGURES, heading=_("Kenmerken van het gebied"))
        try:
            figure_table_save(
                section=section,
                table=table,
                heading=data["heading"],
                layout=data["layout"],
                year=data["year"],
                indicator_ids=[int(v) for v, _label in indicator_choices if v in data["indicators"]],
                neighbourhood_ids=[int(v) for v, _label in region_choices if v in data["neighbourhoods"]],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("De keuze van de cijfers is opgeslagen."))
            return redirect(reverse("plans:plan_detail", args=[plan.code]) + f"#s-{section.code.hex[:8]}")
    return render(
        request,
        "plans/plan_figures.html",
        {
            "plan": plan,
            "sections": sections,
            "section": section,
            "tables": tables,
            "table": table,
            "form": form,
            "year": year,
            "has_values": visible_values(plan.area.organisation_id, IndicatorValue.objects.filter(year=year)).exists(),
        },
    )
