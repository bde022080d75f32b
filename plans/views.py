from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Plan
from .selectors import areas_for_user, get_plan_for_user, plan_document


@require_GET
@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    """The areas the user has a role in, with their plans; nothing else."""
    areas = areas_for_user(request.user).prefetch_related(
        Prefetch("plans", queryset=Plan.objects.order_by("-year"))
    )
    template = "plans/area_list.html" + ("#area-list" if request.htmx else "")
    return render(request, template, {"areas": areas})


@require_GET
@login_required
def plan_detail(request: HttpRequest, code) -> HttpResponse:
    plan = get_plan_for_user(request.user, code)
    context = {"doc": plan_document(plan), "plan": plan}
    template = "plans/plan_detail.html"
    chapter = request.GET.get("chapter")
    if request.htmx and chapter in CHAPTERS:
        # One chapter only, for refreshing a part of the page after a change.
        template += "#chapter-" + chapter
    return render(request, template, context)


CHAPTERS = {"figures", "story", "strengths", "matrix", "focus", "closing"}
