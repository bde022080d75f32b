"""The designed PDF of a plan: request it, watch it being made, download it.

Any role in the plan's area may do all three (get_plan_for_user). Every control works
without htmx: the form posts and redirects to a status page that refreshes itself.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .models import PlanExport
from .pdf import content_hash
from .selectors import get_plan_for_user
from .services import plan_export_current, plan_export_request

PARTIAL = "plans/_pdf_status.html"
PAGE = "plans/pdf/status_page.html"


def _respond(request: HttpRequest, plan, export: PlanExport | None) -> HttpResponse:
    # A PDF of an earlier revision is never offered as the current one.
    stale = bool(export and export.is_done and export.content_hash != content_hash(plan))
    context = {"plan": plan, "export": export, "stale": stale}
    if request.htmx:
        return render(request, PARTIAL, context)
    return render(request, PAGE, context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_pdf(request: HttpRequest, code) -> HttpResponse:
    """GET: the current PDF of the plan; POST: ask for the PDF of the plan as it is now."""
    plan = get_plan_for_user(request.user, code)
    if request.method == "GET":
        return _respond(request, plan, plan_export_current(plan=plan))
    export = plan_export_request(plan=plan, user=request.user)
    if request.htmx:
        return render(request, PARTIAL, {"plan": plan, "export": export, "stale": False})
    return redirect("plans:plan_pdf_status", code=plan.code, export_code=export.code)


@login_required
@require_GET
def plan_pdf_status(request: HttpRequest, code, export_code) -> HttpResponse:
    plan = get_plan_for_user(request.user, code)
    export = get_object_or_404(PlanExport, plan=plan, code=export_code)
    return _respond(request, plan, export)


@login_required
@require_GET
def plan_pdf_download(request: HttpRequest, code, export_code) -> FileResponse:
    plan = get_plan_for_user(request.user, code)
    export = get_object_or_404(
        PlanExport, plan=plan, code=export_code, status=PlanExport.Status.DONE
    )
    try:
        handle = export.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=export.download_name, content_type="application/pdf"
    )
    # One person's file: not kept by the browser's cache or any proxy on the way.
    response["Cache-Control"] = "private, no-store"
    return response
