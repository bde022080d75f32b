"""Thin views over execution.services and execution.selectors; access via plans.selectors."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from plans.models import Membership, Plan
from plans.selectors import get_plan_for_user

from . import services
from .forms import ActionForm, BudgetLineForm, ExecutionPlanForm, TargetForm, region_choices
from .models import Action, BudgetLine, ExecutionPlan, Review, Target
from .selectors import execution_plans_for, overview, progress, quarter_of, review_diff, target_diff

COORDINATOR = Membership.Role.COORDINATOR

# The partner page is reached without an account, so its POST is limited (django-ratelimit,
# already used for design sessions; it counts in Redis when there is one, so every server
# process shares the counts). Per link: a partner updates a handful of actions per
# quarter, 30 saves an hour leave room for corrections. Per address: a whole office may
# share one network, 120 an hour.
PARTNER_LINK_RATE = "30/h"
PARTNER_ADDRESS_RATE = "120/h"


def _can_edit(plan) -> bool:
    """What the plan says (execution plans, actions, targets, budget): its coordinator,
    while the plan is not adopted (an adopted plan is read-only, as in the plans app)."""
    return plan.user_role == COORDINATOR and plan.status != Plan.Status.ADOPTED


def _can_record(plan) -> bool:
    """Progress (statuses, updates, reviews, partner links): the coordinator, also after
    adoption, because carrying out a plan happens after it is adopted."""
    return plan.user_role == COORDINATOR


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _get_execution_plan_for_user(request, code, ep_code, *, coordinator: bool = False):
    """(plan, execution plan) for this user: 404 for an area without a role or an unknown
    code, 403 when `coordinator` is asked and the user is not."""
    plan = get_plan_for_user(request.user, code, roles=(COORDINATOR,) if coordinator else None)
    execution_plan = get_object_or_404(
        ExecutionPlan.objects.select_related("focus_point", "intervention"), plan=plan, code=ep_code
    )
    execution_plan.plan = plan
    return plan, execution_plan


@login_required
@require_http_methods(["GET", "POST"])
def execution_list(request, code):
    plan = get_plan_for_user(request.user, code)
    form = None
    if request.method == "POST":
        if plan.user_role != COORDINATOR:
            raise PermissionDenied
        form = ExecutionPlanForm(request.POST, plan=plan)
        if form.is_valid():
            try:
                item = services.execution_plan_create(plan=plan, **form.cleaned_data)
            except ValidationError as error:
                _errors(request, error)
            else:
                messages.success(request, _("Uitvoeringsplan toegevoegd."))
                return redirect("execution:execution_detail", code=plan.code, ep_code=item.code)
    return render(request, "execution/execution_list.html", {
        "plan": plan, "execution_plans": execution_plans_for(plan), "can_edit": _can_edit(plan),
        "adopted": plan.status == Plan.Status.ADOPTED,
        "form": form or (ExecutionPlanForm(plan=plan) if _can_edit(plan) else None),
    }, status=400 if form is not None and form.errors else 200)


@login_required
@require_GET
def execution_overview(request, code):
    plan = get_plan_for_user(request.user, code)
    return render(request, "execution/execution_overview.html", {
        "plan": plan, "overview": overview(plan, timezone.localdate()),
    })


def _detail_forms(plan, data=None, what=None) -> dict:
    regions = region_choices(plan)
    return {
        "action_form": ActionForm(data if what == "action" else None, plan=plan),
        "target_form": TargetForm(data if what == "target" else None, plan=plan, regions=regions),
        "budget_form": BudgetLineForm(data if what == "budget" else None, plan=plan),
    }


@login_required
@require_http_methods(["GET", "POST"])
def execution_detail(request, code, ep_code):
    plan = get_plan_for_user(request.user, code)
    execution_plan = next((p for p in execution_plans_for(plan) if p.code == ep_code), None)
    if execution_plan is None:
        raise Http404
    execution_plan.plan = plan
    new_link = None
    forms = {}
    status = 200
    if request.method == "POST":
        if plan.user_role != COORDINATOR:
            raise PermissionDenied
        what = request.POST.get("what")
        try:
            if what in ("action", "target", "budget"):
                forms = _detail_forms(plan, request.POST, what)
                form = forms[f"{what}_form"]
                if form.is_valid():
                    if what == "action":
                        services.action_add(execution_plan=execution_plan, **form.service_fields())
                    elif what == "target":
                        services.target_add(execution_plan=execution_plan, **form.cleaned_data)
                    else:
                        services.budget_line_add(execution_plan=execution_plan, **form.cleaned_data)
                    messages.success(request, _("Opgeslagen."))
                    return redirect("execution:execution_detail", code=plan.code, ep_code=execution_plan.code)
                status = 400
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
        if new_link is None and status == 200:
            return redirect("execution:execution_detail", code=plan.code, ep_code=execution_plan.code)
    if not forms and _can_edit(plan):
        forms = _detail_forms(plan)
    year, quarter = quarter_of(timezone.localdate())
    return render(request, "execution/execution_detail.html", {
        "plan": plan, "ep": execution_plan, "can_edit": _can_edit(plan), "can_record": _can_record(plan),
        "adopted": plan.status == Plan.Status.ADOPTED, "new_link": new_link,
        "statuses": Action.Status.choices,
        "owners": sorted({a.owner for a in execution_plan.actions.all() if a.owner}),
        "links": execution_plan.partner_links.annotate(use_count=Count("uses")).order_by("-created"),
        "year": year, "quarter": quarter, **forms,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def execution_edit(request, code, ep_code):
    plan, execution_plan = _get_execution_plan_for_user(request, code, ep_code, coordinator=True)
    form = ExecutionPlanForm(request.POST or None, instance=execution_plan, plan=plan)
    if request.method == "POST" and form.is_valid():
        # The form changed the instance already; the service checks, saves and records.
        try:
            services.execution_plan_update(execution_plan=execution_plan, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Opgeslagen."))
            return redirect("execution:execution_detail", code=plan.code, ep_code=execution_plan.code)
    return render(request, "execution/item_edit.html", {
        "plan": plan, "ep": execution_plan, "form": form, "can_edit": _can_edit(plan),
        "heading": _("Uitvoeringsplan bewerken"),
    }, status=400 if form.errors else 200)


# Items of an execution plan that are edited and removed on pages of their own.
ITEMS = {
    "actie": (Action, ActionForm, "action_edit", "action_delete", "action",
              _("Actie bewerken"), _("Actie verwijderen")),
    "doel": (Target, TargetForm, "target_update", "target_delete", "target",
             _("Doel bewerken"), _("Doel verwijderen")),
    "budget": (BudgetLine, BudgetLineForm, "budget_line_update", "budget_line_delete", "line",
               _("Budgetregel bewerken"), _("Budgetregel verwijderen")),
}


def _item_for_user(request, code, ep_code, kind, pk):
    if kind not in ITEMS:
        raise Http404
    plan, execution_plan = _get_execution_plan_for_user(request, code, ep_code, coordinator=True)
    model = ITEMS[kind][0]
    item = get_object_or_404(model, pk=pk, execution_plan=execution_plan)
    item.execution_plan = execution_plan
    return plan, execution_plan, item


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, code, ep_code, kind, pk):
    plan, execution_plan, item = _item_for_user(request, code, ep_code, kind, pk)
    _model, form_class, update, _delete, name, heading, _delete_heading = ITEMS[kind]
    form = form_class(request.POST or None, instance=item, plan=plan)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields() if hasattr(form, "service_fields") else form.cleaned_data
        try:
            getattr(services, update)(**{name: item}, **fields)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Opgeslagen."))
            return redirect("execution:execution_detail", code=plan.code, ep_code=execution_plan.code)
    return render(request, "execution/item_edit.html", {
        "plan": plan, "ep": execution_plan, "form": form, "item": item, "can_edit": _can_edit(plan),
        "heading": heading,
    }, status=400 if form.errors else 200)


def _confirm_delete(request, plan, execution_plan, item, heading, delete, done_url):
    if request.method == "POST":
        try:
            delete()
        except ValidationError as error:
            _errors(request, error)
            return redirect(request.path)
        messages.success(request, _("Verwijderd: %(name)s") % {"name": item})
        return redirect(done_url)
    return render(request, "execution/confirm_delete.html", {
        "plan": plan, "ep": execution_plan, "item": item, "heading": heading, "can_edit": _can_edit(plan),
        "is_plan": item is execution_plan,
    })


@login_required
@require_http_methods(["GET", "POST"])
def execution_delete(request, code, ep_code):
    """GET asks to confirm (and says what goes with it); only the POST removes."""
    plan, execution_plan = _get_execution_plan_for_user(request, code, ep_code, coordinator=True)
    execution_plan.action_count = execution_plan.actions.count()
    execution_plan.review_count = execution_plan.reviews.count()
    return _confirm_delete(
        request, plan, execution_plan, execution_plan, _("Uitvoeringsplan verwijderen"),
        lambda: services.execution_plan_delete(execution_plan=execution_plan),
        reverse("execution:execution_list", args=[plan.code]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_delete(request, code, ep_code, kind, pk):
    plan, execution_plan, item = _item_for_user(request, code, ep_code, kind, pk)
    _model, _form, _update, delete, name, _heading, heading = ITEMS[kind]
    return _confirm_delete(
        request, plan, execution_plan, item, heading,
        lambda: getattr(services, delete)(**{name: item}),
        reverse("execution:execution_detail", args=[plan.code, execution_plan.code]),
    )


def _previous_review(execution_plan, year, quarter):
    return (
        Review.objects.filter(execution_plan=execution_plan, completed_at__isnull=False)
        .exclude(year__gt=year).exclude(year=year, quarter__gte=quarter).order_by("-year", "-quarter").first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request, code, ep_code, year, quarter):
    plan, execution_plan = _get_execution_plan_for_user(request, code, ep_code)
    if quarter not in (1, 2, 3, 4) or not 2000 <= year <= 2100:
        raise Http404
    review = Review.objects.filter(execution_plan=execution_plan, year=year, quarter=quarter).first()
    actions = list(execution_plan.actions.order_by("order", "id"))
    if request.method == "POST":
        if not _can_record(plan):
            raise PermissionDenied
        notes = {name: request.POST.get(name, "").strip()
                 for name in ("plan_notes", "do_notes", "check_notes", "act_notes", "next_quarter")}
        progress_rows = {
            a.pk: (request.POST.get(f"status-{a.pk}", a.status), request.POST.get(f"update-{a.pk}", a.last_update))
            for a in actions if f"status-{a.pk}" in request.POST or f"update-{a.pk}" in request.POST
        }
        complete = request.POST.get("complete") == "1"
        try:
            services.review_save(execution_plan=execution_plan, year=year, quarter=quarter,
                                 complete=complete, progress=progress_rows, **notes)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Review afgerond; de stand is bevroren.") if complete else _("Opgeslagen."))
        return redirect("execution:review_detail", code=plan.code, ep_code=execution_plan.code, year=year, quarter=quarter)
    previous = _previous_review(execution_plan, year, quarter)
    before = {a["id"]: a for a in (previous.snapshot.get("actions", []) if previous else [])}
    for a in actions:
        a.before = before.get(a.pk)
    return render(request, "execution/review_detail.html", {
        "plan": plan, "ep": execution_plan, "review": review, "previous": previous, "year": year, "quarter": quarter,
        "diff": review_diff(review, previous) if review and review.completed_at else [],
        "target_diff": target_diff(review, previous) if review and review.completed_at else [],
        "can_edit": _can_record(plan) and not (review and review.completed_at),
        "actions": actions, "statuses": Action.Status.choices,
        "previous_quarter": _quarter_before(year, quarter), "next_quarter": _quarter_after(year, quarter),
    })


def _quarter_before(year, quarter):
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _quarter_after(year, quarter):
    return (year, quarter + 1) if quarter < 4 else (year + 1, 1)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@login_required
@require_GET
def execution_export(request, code, ep_code, fmt):
    plan, execution_plan = _get_execution_plan_for_user(request, code, ep_code)
    header = [_("Actie"), _("Eigenaar"), _("Contact"), _("Gepland kwartaal"), _("Gepland klaar"), _("Status"),
              _("Soort"), _("Laatste update")]
    rows = [
        [_cell(v) for v in (a.title, a.owner, a.contact_email, a.planned, a.due_date or "", a.get_status_display(),
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


def _partner_over_limit(request, link) -> bool:
    # Both limits count every POST; either one refuses. The link key is its code, not the
    # token, so a link's count does not depend on how its token is spelled.
    by_link = is_ratelimited(request, group="execution-partner-link", key=lambda _g, _r: str(link.code),
                             rate=PARTNER_LINK_RATE, increment=True)
    by_address = is_ratelimited(request, group="execution-partner-address", key="ip",
                                rate=PARTNER_ADDRESS_RATE, increment=True)
    return by_link or by_address


@require_http_methods(["GET", "POST"])
def partner_page(request, token):
    """A partner's personal link: a GET only shows the page; only the POST uses the link."""
    link = services.partner_link_resolve(token)
    if link is None:
        return render(request, "execution/partner_gone.html", status=410)
    actions = Action.objects.filter(execution_plan=link.execution_plan, owner=link.owner).order_by("order", "id")
    if request.method == "POST":
        if _partner_over_limit(request, link):
            messages.error(request, _("Je hebt de afgelopen tijd erg veel updates verstuurd. Probeer het over een uur opnieuw."))
            return render(request, "execution/partner_page.html", {
                "link": link, "actions": actions, "statuses": Action.Status.choices, "progress": progress(actions),
            }, status=429)
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
