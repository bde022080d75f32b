"""The area's figures, charts and map; uploading files; choosing the figures of a plan."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plans.models import Area, Membership
from plans.selectors import role_for_user

from . import selectors
from .forms import ImportForm, StaffImportForm
from .importing.problems import ImportRefused
from .models import ImportBatch, Indicator
from .services import (
    import_batch_confirm,
    import_batch_create,
    import_batch_is_stuck,
    import_batch_progress,
    import_batch_start_check,
    indicators_export,
)

EDIT_ROLES = (Membership.Role.COORDINATOR,)


def _get_area_for_user(request: HttpRequest, code, *, edit: bool = False) -> Area:
    """The area with this code if the user has a role in it (any role to read, coordinator to edit).

    No role is a 404, so that codes of other areas cannot be probed; too weak a role is a 403.
    """
    area = get_object_or_404(Area.objects.select_related("organisation"), code=code)
    role = role_for_user(request.user, area)
    if role is None:
        raise Http404
    if edit and role not in EDIT_ROLES:
        raise PermissionDenied
    area.user_role = role
    return area


def _get_batch_for_user(request: HttpRequest, code) -> ImportBatch:
    batch = get_object_or_404(
        ImportBatch.objects.select_related("area__organisation", "user", "owner"), code=code
    )
    if request.user.is_superuser:
        return batch
    if batch.area is None:
        # An import of public figures, not tied to an area: staff only.
        if request.user.is_staff:
            return batch
        raise Http404
    role = role_for_user(request.user, batch.area)
    if role is None:
        raise Http404
    if role not in EDIT_ROLES:
        raise PermissionDenied
    return batch


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_GET
@login_required
def area_data(request: HttpRequest, code) -> HttpResponse:
    area = _get_area_for_user(request, code)
    category = request.GET.get("categorie", "")
    if category not in Indicator.Category.values:
        category = ""
    figures = selectors.area_figures(area, year=_int(request.GET.get("jaar")), category=category)
    indicator = None
    chosen = request.GET.get("indicator")
    if figures.indicators:
        by_code = {i.code: i for i in figures.indicators}
        indicator = by_code.get(chosen) or next(
            (i for i in figures.indicators if i.kind != Indicator.Kind.COUNT), figures.indicators[0]
        )
    context = {
        "area": area,
        "figures": figures,
        "category": category,
        "indicator": indicator,
        "can_edit": area.user_role in EDIT_ROLES,
    }
    template = "wijkdata/area_data.html"
    if request.htmx and request.GET.get("deel") == "tabel":
        return render(request, template + "#figures-table", context)
    context.update(
        {
            "chart_comparison": selectors.chart_comparison(figures, indicator),
            "chart_age": selectors.chart_age_bands(figures),
            "chart_trend": selectors.chart_trend(area, indicator),
            "map": selectors.area_map(area, figures, indicator),
        }
    )
    if request.htmx and request.GET.get("deel") == "grafieken":
        return render(request, template + "#charts", context)
    return render(request, template, context)


@require_GET
@login_required
def area_export(request: HttpRequest, code) -> HttpResponse:
    area = _get_area_for_user(request, code)
    fmt = "xlsx" if request.GET.get("formaat") == "xlsx" else "csv"
    year = _int(request.GET.get("jaar"))
    municipality = area.organisation.municipality_code
    data = indicators_export(
        municipality=municipality, year=year, format=fmt, organisation=area.organisation_id
    )
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if fmt == "xlsx"
        else "text/csv; charset=utf-8"
    )
    response = HttpResponse(data, content_type=content_type)
    name = f"cijfers-{municipality}{'-' + str(year) if year else ''}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request: HttpRequest, code) -> HttpResponse:
    area = _get_area_for_user(request, code, edit=True)
    if request.user.is_staff:
        form = StaffImportForm(
            request.POST or None, request.FILES or None, organisation_name=area.organisation.name
        )
    else:
        form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                batch = import_batch_create(
                    user=request.user,
                    area=area,
                    uploaded_file=form.cleaned_data["file"],
                    year=form.cleaned_data["year"],
                    sheet=form.cleaned_data["sheet"],
                    source=form.cleaned_data["source"],
                    public=form.cleaned_data.get("owner") == StaffImportForm.PUBLIC,
                )
                import_batch_start_check(batch)
        except ImportRefused as refused:
            for problem in refused.problems:
                form.add_error("file", problem.message)
        else:
            return redirect("wijkdata:import_batch", code=batch.code)
    # A list never loads the reports (a refused file's report can be large).
    recent = ImportBatch.objects.filter(area=area).select_related("user").defer("report")[:10]
    return render(
        request, "wijkdata/import_upload.html", {"area": area, "form": form, "recent": recent}
    )


@require_GET
@login_required
def import_batch(request: HttpRequest, code) -> HttpResponse:
    batch = _get_batch_for_user(request, code)
    progress, step = import_batch_progress(batch)
    # A batch whose task was lost stops the polling and says so, instead of spinning forever.
    stuck = import_batch_is_stuck(batch)
    context = {
        "batch": batch,
        "area": batch.area,
        "progress": progress,
        "step": step,
        "report": batch.report or {},
        "stuck": stuck,
        "working": not stuck
        and batch.status
        in {ImportBatch.Status.UPLOADED, ImportBatch.Status.CHECKING, ImportBatch.Status.IMPORTING},
    }
    template = "wijkdata/import_batch.html"
    if request.htmx:
        return render(request, template + "#batch-status", context)
    return render(request, template, context)


@require_POST
@login_required
def import_confirm(request: HttpRequest, code) -> HttpResponse:
    batch = _get_batch_for_user(request, code)
    if batch.status != ImportBatch.Status.PREVIEW:
        messages.warning(request, _("Deze import kan niet (meer) worden bevestigd."))
        return redirect("wijkdata:import_batch", code=batch.code)
    kinds = {
        key.removeprefix("kind-"): value
        for key, value in request.POST.items()
        if key.startswith("kind-")
    }
    import_batch_confirm(batch, kinds=kinds)
    if batch.status == ImportBatch.Status.DONE:
        messages.success(request, _("De cijfers zijn ingelezen."))
    return redirect("wijkdata:import_batch", code=batch.code)


