"""Thin views over execution.services and execution.selectors; access via plans.selectors."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from plans.models import Membership
from plans.selectors import get_plan_for_user

from . import services
from .models import Action, ExecutionPlan, Review
from .selectors import execution_plans_for, overview, progress, quarter_of, review_diff

EDIT = (Membership.Role.COORDINATOR,)


def _can_edit(plan) -> bool:
    return plan.user_role == Membership.Role.COORDINATOR


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_http_methods(["GET", "POST"])
def execution_list(request, code):
    plan = get_plan_for_user(request.user, code)
    if request.method == "POST":
        if not _can_edit(plan):
            raise PermissionDenied
        try:
            item = services.execution_plan_create(
                plan=plan, title=request.POST.get("title", ""), lead=request.POST.get("lead", "").strip(),
                urgency=request.POST.get("urgency", "").strip(),
            )
        except ValidationError as error:
            _errors(request, error)
            return redirect("execution:execution_list", code=plan.code)
        return redirect("execution:execution_detail", code=plan.code, ep_code=item.code)
    return render(request, "execution/execution_list.html", {
        "plan": plan, "execution_plans": execution_plans_for(plan), "can_edit": _can_edit(plan),
    })


@login_required
def execution_overview(request, code):
    plan = get_plan_for_user(request.user, code)
    return render(request, "execution/execution_overview.html", {
        "plan": plan, "overview": overview(plan, timezone.localdate()),
    })


def _execution_plan(plan, ep_code) -> ExecutionPlan:
    return get_object_or_404(ExecutionPlan.objects.select_related("plan"), plan=plan, code=ep_code)


@login_required
@require_http_methods(["GET", "POST"])
def execution_detail(request, code, ep_code):
    plan = get_plan_for_user(request.user, code)
    execution_plan = next((p for p in execution_plans_for(plan) if p.code == ep_code), None)
    if execution_plan is None:
        raise Http404
    execution_plan.plan = plan
    new_link = None
    if request.method == "POST":
        if not _can_edit(plan):
            raise PermissionDenied
        what = request.POST.get("what")
        try:
            if what == "action":
                services.action_add(
                    execution_plan=execution_plan, title=request.POST.get("title", ""),
                    owner=request.POST.get("owner", "").strip(), contact_email=request.POST.get("contact_email", "").strip(),
                    status=request.POST.get("status", ""), kind=request.POST.get("kind", Action.Kind.NEW),
                    due_date=request.POST.get("due_date") or None,
                )
            elif what == "target":
                services.target_add(
                    execution_plan=execution_plan, statement=request.POST.get("statement", ""),
                    baseline=request.POST.get("baseline") or None, goal=request.POST.get("goal") or None,
                    baseline_year=request.POST.get("baseline_year") or None,
                )
            elif what == "status":
                action = get_object_or_404(Action, pk=request.POST.get("action"), execution_plan=execution_plan)
                action.execution_plan = execution_plan
                services.action_update(action=action, status=request.POST.get("status", ""),
                                       update=request.POST.get("update", ""))
            elif what == "link":
                link, token = services.partner_link_create(
                    execution_plan=execution_plan, owner=request.POST.get("owner", "")
                )
                new_link = request.build_absolute_uri(reverse("execution:partner_page", args=[token]))
            elif what == "revoke":
                link = get_object_or_404(execution_plan.partner_links, pk=request.POST.get("link"))
                services.partner_link_revoke(link=link)
            else:
                raise ValidationError(_("Onbekende handeling."))
        except ValidationError as error:
            _errors(request, error)
        if new_link is None:
            return redirect("execution:execution_detail", code=plan.code, ep_code=execution_plan.code)
    year, quarter = quarter_of(timezone.localdate())
    return render(request, "execution/execution_detail.html", {
        "plan": plan, "ep": execution_plan, "can_edit": _can_edit(plan), "new_link": new_link,
        "statuses": Action.Status.choices, "kinds": Action.Kind.choices,
        "owners": sorted({a.owner for a in execution_plan.actions.all() if a.owner}),
        "links": execution_plan.partner_links.prefetch_related("uses").order_by("-created"),
        "year": year, "quarter": quarter,
    })


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request, code, ep_code, year, quarter):
    plan = get_plan_for_user(request.user, code)
    execution_plan = _execution_plan(plan, ep_code)
    if quarter not in (1, 2, 3, 4):
        raise Http404
    review = Review.objects.filter(execution_plan=execution_plan, year=year, quarter=quarter).first()
    if request.method == "POST":
        if not _can_edit(plan):
            raise PermissionDenied
        notes = {name: request.POST.get(name, "").strip()
                 for name in ("plan_notes", "do_notes", "check_notes", "act_notes", "next_quarter")}
        try:
            services.review_save(execution_plan=execution_plan, year=year, quarter=quarter,
                                 complete=request.POST.get("complete") == "1", **notes)
        except ValidationError as error:
            _errors(request, error)
        return redirect("execution:review_detail", code=plan.code, ep_code=execution_plan.code, year=year, quarter=quarter)
    previous = (
        Review.objects.filter(execution_plan=execution_plan, completed_at__isnull=False)
        .exclude(year__gt=year).exclude(year=year, quarter__gte=quarter).order_by("-year", "-quarter").first()
    )
    return render(request, "execution/review_detail.html", {
        "plan": plan, "ep": execution_plan, "review": review, "previous": previous, "year": year, "quarter": quarter,
        "diff": review_diff(review, previous) if review and review.completed_at else [],
        "can_edit": _can_edit(plan) and not (review and review.completed_at),
        "actions": execution_plan.actions.all(),
    })


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@login_required
def execution_export(request, code, ep_code, fmt):
    plan = get_plan_for_user(request.user, code)
    execution_plan = _execution_plan(plan, ep_code)
    header = [_("Actie"), _("Eigenaar"), _("Contact"), _("Gepland klaar"), _("Status"), _("Soort"), _("Laatste update")]
    rows = [
        [_cell(v) for v in (a.title, a.owner, a.contact_email, a.due_date or "", a.get_status_display(),
                            a.get_kind_display(), a.last_update)]
        for a in execution_plan.actions.all()
    ]
    filename = f"uitvoeringsplan-{execution_plan.code}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Acties")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
def partner_page(request, token):
    """A partner's personal link: a GET only shows the page; only the POST uses the link."""
    link = services.partner_link_resolve(token)
    if link is None:
        return render(request, "execution/partner_gone.html", status=410)
    actions = Action.objects.filter(execution_plan=link.execution_plan, owner=link.owner).order_by("order", "id")
    if request.method == "POST":
        try:
            services.partner_link_use(
                link=link, action_id=int(request.POST.get("action", 0) or 0), status=request.POST.get("status", ""),
                update=request.POST.get("update", ""), ip=request.META.get("REMOTE_ADDR"),
            )
            messages.success(request, _("Dank je, je update is opgeslagen."))
        except (ValidationError, ValueError) as error:
            messages.error(request, getattr(error, "messages", [_("Ongeldige invoer.")])[0])
        return redirect("execution:partner_page", token=token)
    return render(request, "execution/partner_page.html", {
        "link": link, "actions": actions, "statuses": Action.Status.choices, "progress": progress(actions),
    })
