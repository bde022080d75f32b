from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .document import newer_figures
from .models import Membership, Plan
from .page_cache import fill_colophon_slot, plan_article_key
from .selectors import areas_for_user, get_plan_for_user, get_plan_header_for_user, plan_document


@require_GET
@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    """The areas the user has a role in, with their plans; nothing else."""
    areas = areas_for_user(request.user).prefetch_related(
        Prefetch("plans", queryset=Plan.objects.order_by("-period_start", "document_type", "-version"))
    )
    template = "plans/area_list.html" + ("#area-list" if request.htmx else "")
    return render(request, template, {"areas": areas})


@require_GET
@login_required
def plan_detail(request: HttpRequest, code) -> HttpResponse:
    template = "plans/plan_detail.html"
    section_code = request.GET.get("onderdeel")
    if request.htmx and section_code:
        # One section only, for refreshing a part of the page after a change.
        plan = get_plan_for_user(request.user, code)
        doc = plan_document(plan)
        view = next((v for v in doc.all_sections if v.section.code.hex == section_code.replace("-", "")), None)
        if view is None:
            raise Http404
        return render(request, "plans/sections/_section.html", {"view": view, "plan": plan, "doc": doc})
    # The plan itself is the same for every reader until its content changes: render it
    # once per content version and language, and serve it from the cache after that.
    plan = get_plan_header_for_user(request.user, code)
    key = plan_article_key(plan)
    article = cache.get(key)
    if article is None:
        full = get_plan_for_user(request.user, code)
        article = render_to_string(
            f"{template}#plan-article", {"doc": plan_document(full), "plan": full}, request
        )
        cache.set(key, article)
    # The PDF control is per-request state: it stays outside the cached article and is
    # fetched by htmx once the page is there (a plain link without JavaScript).
    tools = ""
    if plan.user_role == Membership.Role.COORDINATOR and plan.status != Plan.Status.ADOPTED:
        tools = format_html(
            '<p class="colophon__edit"><a class="utrecht-link" href="{}">{}</a></p>',
            reverse("plans:plan_colophon", args=[plan.code]), _("Colofon bewerken"),
        )
    context = {"plan": plan, "article": mark_safe(fill_colophon_slot(article, tools))}  # noqa: S308
    if plan.status == Plan.Status.ADOPTED and plan.user_role == "coordinator":
        # The adopted plan keeps its figures; its coordinator hears when newer ones exist.
        context["newer"] = newer_figures(plan)
    return render(request, template, context)



def _public_plan(public_code) -> Plan:
    plan = (
        Plan.objects.select_related("area__organisation")
        .filter(public_code=public_code, status=Plan.Status.ADOPTED)
        .first()
    )
    if plan is None:
        raise Http404
    return plan


@require_GET
def plan_public(request: HttpRequest, public_code) -> HttpResponse:
    """An adopted plan, read-only and without login, while its coordinator keeps the link open.

    It is the same article members read (nothing in it depends on who reads it), from the
    same cache.
    """
    plan = _public_plan(public_code)
    key = plan_article_key(plan)
    article = cache.get(key)
    if article is None:
        article = render_to_string(
            "plans/plan_detail.html#plan-article", {"doc": plan_document(plan), "plan": plan}, request
        )
        cache.set(key, article)
    export = plan.exports.filter(status="done", archived=True).exclude(file="").order_by("-finished").first()
    return render(
        request, "plans/plan_public.html",
        {"plan": plan, "article": mark_safe(fill_colophon_slot(article)), "export": export},  # noqa: S308
    )


@require_GET
def plan_public_pdf(request: HttpRequest, public_code):
    from django.http import FileResponse

    plan = _public_plan(public_code)
    export = plan.exports.filter(status="done", archived=True).exclude(file="").order_by("-finished").first()
    if export is None:
        raise Http404
    try:
        handle = export.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=export.download_name, content_type="application/pdf")
