"""Every write to an execution plan goes through here: it checks the plan may still change
(`_begin`) and raises the plan's revision in the same transaction (`plan_touch`), so the
change is kept in the plan's history."""

from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from plans.models import Plan
from plans.services import _begin, plan_touch

from .models import (
    Action,
    BudgetLine,
    ExecutionPlan,
    PartnerLink,
    PartnerLinkUse,
    ReminderSent,
    Review,
    Target,
)
from .selectors import attach_current_values

LINK_SALT = "execution.partner-link"
LINK_DAYS = 30


def _begin_progress(*, plan) -> None:
    """Progress (an action's status and update, a quarterly review, a partner's update) is
    the record of carrying out a plan, which happens after adoption: it stays possible on an
    adopted plan. Only what the plan *says* (execution plans, actions, targets, budget)
    follows the plan's read-only rule (`_begin`)."""


def _check_belongs(plan, fields: dict) -> None:
    """A focus point or intervention of another plan is refused, whatever the caller sends."""
    for name in ("focus_point", "intervention"):
        item = fields.get(name)
        if item is not None and item.section.plan_id != plan.pk:
            raise ValidationError(_("Kies een focuspunt of interventie uit dit plan."))


def _save(item, plan, what: str):
    item.full_clean(exclude=[f.name for f in item._meta.fields if f.is_relation])
    item.save()
    plan_touch(plan=plan, what=what, changed=[], own=True)
    return item


def _change(item, plan, fields: dict, *, required: str, missing: str, what) -> object:
    """Set `fields` on `item` (texts stripped), refuse it without its `required` text, save."""
    _begin(plan=plan)
    _check_belongs(plan, fields)
    for name, value in fields.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    if not getattr(item, required):
        raise ValidationError(missing)
    return _save(item, plan, what(item))


def _remove(item, plan, what: str) -> None:
    """Delete `item` (the plan's history keeps the state before)."""
    _begin(plan=plan)
    item.delete()
    plan_touch(plan=plan, what=what, changed=[], own=True)


@transaction.atomic
def execution_plan_create(*, plan, title: str, **fields) -> ExecutionPlan:
    _begin(plan=plan)
    if not title.strip():
        raise ValidationError(_("Geef het uitvoeringsplan een titel."))
    _check_belongs(plan, fields)
    item = ExecutionPlan(plan=plan, title=title.strip(), order=plan.execution_plans.count(), **fields)
    return _save(item, plan, _("Uitvoeringsplan toegevoegd: %(title)s") % {"title": item.title})


@transaction.atomic
def execution_plan_update(*, execution_plan: ExecutionPlan, **fields) -> ExecutionPlan:
    return _change(
        execution_plan, execution_plan.plan, fields, required="title",
        missing=_("Geef het uitvoeringsplan een titel."),
        what=lambda item: _("Uitvoeringsplan gewijzigd: %(title)s") % {"title": item.title},
    )


@transaction.atomic
def execution_plan_delete(*, execution_plan: ExecutionPlan) -> None:
    """Removes it with its actions, targets, budget, reviews and links (the plan's history
    keeps the state before)."""
    _remove(execution_plan, execution_plan.plan,
            _("Uitvoeringsplan verwijderd: %(title)s") % {"title": execution_plan.title})


@transaction.atomic
def action_add(*, execution_plan: ExecutionPlan, title: str, **fields) -> Action:
    _begin(plan=execution_plan.plan)
    if not title.strip():
        raise ValidationError(_("Geef de actie een titel."))
    action = Action(execution_plan=execution_plan, title=title.strip(), order=execution_plan.actions.count(), **fields)
    return _save(action, execution_plan.plan, _("Actie toegevoegd: %(title)s") % {"title": action.title})


@transaction.atomic
def action_edit(*, action: Action, **fields) -> Action:
    """Change what the plan says about an action (title, owner, planning, kind, notes)."""
    return _change(
        action, action.execution_plan.plan, fields, required="title",
        missing=_("Geef de actie een titel."),
        what=lambda item: _("Actie gewijzigd: %(title)s") % {"title": item.title},
    )


@transaction.atomic
def action_delete(*, action: Action) -> None:
    _remove(action, action.execution_plan.plan, _("Actie verwijderd: %(title)s") % {"title": action.title})


def _apply_progress(action: Action, status: str | None, update: str | None) -> bool:
    """Set status and update on the row (not saved); True when something changed."""
    changed = False
    if status is not None:
        if status and status not in Action.Status.values:
            raise ValidationError(_("Kies een geldige status."))
        changed |= action.status != status
        action.status = status
    if update is not None and update.strip() != action.last_update:
        action.last_update = update.strip()
        action.last_update_at = timezone.now()
        changed = True
    return changed


@transaction.atomic
def action_update(*, action: Action, status: str | None = None, update: str | None = None) -> Action:
    """An action's progress: its status and a short update."""
    plan = action.execution_plan.plan
    _begin_progress(plan=plan)
    _apply_progress(action, status, update)
    action.save()
    plan_touch(plan=plan, what=_("Actie bijgewerkt: %(title)s") % {"title": action.title}, changed=[], own=True)
    return action


@transaction.atomic
def target_add(*, execution_plan: ExecutionPlan, statement: str, **fields) -> Target:
    _begin(plan=execution_plan.plan)
    if not statement.strip():
        raise ValidationError(_("Beschrijf het doel."))
    target = Target(execution_plan=execution_plan, statement=statement.strip(),
                    order=execution_plan.targets.count(), **fields)
    return _save(target, execution_plan.plan, _("Doel toegevoegd: %(statement)s") % {"statement": target.statement})


@transaction.atomic
def target_update(*, target: Target, **fields) -> Target:
    return _change(
        target, target.execution_plan.plan, fields, required="statement",
        missing=_("Beschrijf het doel."),
        what=lambda item: _("Doel gewijzigd: %(statement)s") % {"statement": item.statement},
    )


@transaction.atomic
def target_delete(*, target: Target) -> None:
    _remove(target, target.execution_plan.plan,
            _("Doel verwijderd: %(statement)s") % {"statement": target.statement})


@transaction.atomic
def budget_line_add(*, execution_plan: ExecutionPlan, year: int, source: str, **fields) -> BudgetLine:
    _begin(plan=execution_plan.plan)
    if not source.strip():
        raise ValidationError(_("Noem de financieringsbron, bijvoorbeeld SPUK/GALA of programmabegroting."))
    line = BudgetLine(execution_plan=execution_plan, year=year, source=source.strip(), **fields)
    return _save(line, execution_plan.plan, _("Budget toegevoegd: %(line)s") % {"line": line})


@transaction.atomic
def budget_line_update(*, line: BudgetLine, **fields) -> BudgetLine:
    return _change(
        line, line.execution_plan.plan, fields, required="source",
        missing=_("Noem de financieringsbron, bijvoorbeeld SPUK/GALA of programmabegroting."),
        what=lambda item: _("Budget gewijzigd: %(line)s") % {"line": item},
    )


@transaction.atomic
def budget_line_delete(*, line: BudgetLine) -> None:
    _remove(line, line.execution_plan.plan, _("Budget verwijderd: %(line)s") % {"line": line})



# --- a new version of an adopted plan ------------------------------------------------------

ACTION_COPIED = [
    "title", "owner", "contact_email", "due_date", "planned_year", "planned_quarter", "status", "kind", "notes",
    "last_update", "last_update_at", "order",
]
TARGET_COPIED = ["statement", "baseline", "baseline_year", "goal", "indicator_id", "neighbourhood_id", "order"]
BUDGET_COPIED = ["year", "amount", "source", "note"]
PLAN_COPIED = ["title", "urgency", "reach", "feasibility", "lead", "work_group"]


@transaction.atomic
def execution_plans_copy(*, source, target, copied: dict) -> list[ExecutionPlan]:
    """Give the new version `target` of the adopted plan `source` a copy of each of its
    execution plans: what the plan says (title, urgency, reach, feasibility, lead, work
    group, its focus point and intervention as the new version's copies of them, actions
    with their planning, targets, budget) and where each action stands (status, last
    update), so a done action is not planned again. The record of carrying it out stays
    with the version it happened under and stays readable there: quarterly reviews with
    their frozen snapshots, personal links and what partners sent through them.

    `copied`: the new version's copies of the source's focus points and interventions by
    the old id (plans.services.plan_copy_sections). Called by plans.services.plan_new_version,
    in its transaction; one revision of the new version's history."""
    from plans.models import FocusPoint, Intervention

    _begin(plan=target)
    originals = list(
        ExecutionPlan.objects.filter(plan=source).order_by("order", "id")
        .prefetch_related("actions", "targets", "budget_lines")
    )
    if not originals:
        return []
    focus_points, interventions = copied.get(FocusPoint, {}), copied.get(Intervention, {})
    start = target.execution_plans.count()
    copies = ExecutionPlan.objects.bulk_create(
        ExecutionPlan(
            plan=target, order=start + n, focus_point=focus_points.get(original.focus_point_id),
            intervention=interventions.get(original.intervention_id),
            **{name: getattr(original, name) for name in PLAN_COPIED},
        )
        for n, original in enumerate(originals)
    )
    actions, targets, lines = [], [], []
    for original, copy in zip(originals, copies, strict=True):
        actions += [Action(execution_plan=copy, **{n: getattr(a, n) for n in ACTION_COPIED}) for a in original.actions.all()]
        targets += [Target(execution_plan=copy, **{n: getattr(t, n) for n in TARGET_COPIED}) for t in original.targets.all()]
        lines += [BudgetLine(execution_plan=copy, **{n: getattr(b, n) for n in BUDGET_COPIED}) for b in original.budget_lines.all()]
    Action.objects.bulk_create(actions)
    Target.objects.bulk_create(targets)
    BudgetLine.objects.bulk_create(lines)
    plan_touch(
        plan=target, changed=[], own=True,
        what=_("Uitvoeringsplannen overgenomen uit versie %(number)s") % {"number": source.version},
    )
    return copies


def _snapshot(execution_plan: ExecutionPlan) -> dict:
    labels = dict(Action.Status.choices)
    targets = list(execution_plan.targets.select_related("indicator", "neighbourhood"))
    attach_current_values(targets, organisation_id=execution_plan.plan.area.organisation_id)
    return {
        "actions": [
            {"id": a.pk, "title": a.title, "owner": a.owner, "status": a.status,
             "status_label": str(labels.get(a.status, _("Zonder status"))), "update": a.last_update}
            for a in execution_plan.actions.order_by("order", "id")
        ],
        "targets": [
            {"id": t.pk, "statement": t.statement, "baseline": None if t.baseline is None else str(t.baseline),
             "goal": None if t.goal is None else str(t.goal),
             "current": None if t.current is None else str(t.current), "current_year": t.current_year,
             "on_track": t.on_track}
            for t in targets
        ],
    }


@transaction.atomic
def review_save(
    *, execution_plan: ExecutionPlan, year: int, quarter: int, complete: bool = False,
    progress: dict[int, tuple[str, str]] | None = None, **notes,
) -> Review:
    """Save a quarter's notes and, per action, its status and short update (`progress`:
    action id -> (status, update)); `complete` freezes the snapshot. A completed review no
    longer changes. Everything or nothing: a bad status leaves notes and actions as they were."""
    plan = execution_plan.plan
    _begin_progress(plan=plan)
    if quarter not in (1, 2, 3, 4):
        raise ValidationError(_("Een kwartaal is 1, 2, 3 of 4."))
    review, _created = Review.objects.select_for_update().get_or_create(
        execution_plan=execution_plan, year=year, quarter=quarter
    )
    if review.completed_at:
        raise ValidationError(_("Deze kwartaalreview is al afgerond en kan niet meer veranderen."))
    if progress:
        actions = {a.pk: a for a in execution_plan.actions.filter(pk__in=list(progress))}
        if set(progress) - set(actions):
            raise ValidationError(_("Een van de acties hoort niet bij dit uitvoeringsplan."))
        changed = [a for pk, a in actions.items() if _apply_progress(a, *progress[pk])]
        for action in changed:
            action.updated = timezone.now()
        Action.objects.bulk_update(changed, ["status", "last_update", "last_update_at", "updated"])
    for name, value in notes.items():
        setattr(review, name, value)
    if complete:
        review.snapshot = _snapshot(execution_plan)
        review.completed_at = timezone.now()
    review.save()
    plan_touch(plan=plan, what=_("Kwartaalreview %(year)s-K%(quarter)s") % {"year": year, "quarter": quarter}, changed=[], own=True)
    return review


# --- personal links -----------------------------------------------------------------------


@transaction.atomic
def partner_link_create(*, execution_plan: ExecutionPlan, owner: str, days: int = LINK_DAYS) -> tuple[PartnerLink, str]:
    if not execution_plan.actions.filter(owner=owner).exists():
        raise ValidationError(_("Deze organisatie heeft geen acties in dit uitvoeringsplan."))
    link = PartnerLink.objects.create(
        execution_plan=execution_plan, owner=owner, expires_at=timezone.now() + timedelta(days=days)
    )
    return link, signing.dumps(str(link.code), salt=LINK_SALT)


def partner_link_revoke(*, link: PartnerLink) -> None:
    PartnerLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def partner_link_resolve(token: str) -> PartnerLink | None:
    """The live link a token names: signature valid, not expired, not revoked; else None."""
    try:
        code = signing.loads(token, salt=LINK_SALT, max_age=timedelta(days=366))
    except signing.BadSignature:
        return None
    link = PartnerLink.objects.select_related("execution_plan__plan").filter(code=code).first()
    if link is None or link.revoked_at or link.expires_at <= timezone.now():
        return None
    # A newer adopted version replaced the plan: its actions are the ones carried out now,
    # so updates sent to the old ones would be lost to it. The coordinator sends new links.
    if Plan.objects.filter(previous_version_id=link.execution_plan.plan_id, status=Plan.Status.ADOPTED).exists():
        return None
    return link


@transaction.atomic
def partner_link_use(*, link: PartnerLink, action_id: int, status: str, update: str, ip: str | None) -> Action:
    """Update one of the link owner's actions; every use is logged."""
    action = Action.objects.select_related("execution_plan__plan").filter(
        pk=action_id, execution_plan=link.execution_plan, owner=link.owner
    ).first()
    if action is None:
        raise ValidationError(_("Deze actie hoort niet bij deze link."))
    action_update(action=action, status=status, update=update)
    PartnerLinkUse.objects.create(link=link, action=action, status=status, text=update, ip=ip)
    return action


# --- reminders ----------------------------------------------------------------------------


def reminder_recipients(*, year: int, quarter: int) -> dict[str, list[Action]]:
    """Contacts of actions without an update this quarter, still open, not yet reminded."""
    first_month = (quarter - 1) * 3 + 1
    start = timezone.make_aware(timezone.datetime(year, first_month, 1))
    actions = Action.objects.exclude(contact_email="").exclude(status__in=[Action.Status.DONE, Action.Status.STOPPED])
    actions = actions.exclude(last_update_at__gte=start).select_related("execution_plan")
    # Only the version of a plan that is being carried out: not one an adopted newer
    # version replaced, nor a newer version still being written (its actions are copies
    # of the adopted version's, which is asked instead).
    actions = actions.exclude(execution_plan__plan__next_version__status=Plan.Status.ADOPTED).exclude(
        Q(execution_plan__plan__previous_version__isnull=False) & ~Q(execution_plan__plan__status=Plan.Status.ADOPTED)
    )
    reminded = set(ReminderSent.objects.filter(year=year, quarter=quarter).values_list("email", flat=True))
    result: dict[str, list[Action]] = {}
    for action in actions:
        if action.contact_email not in reminded:
            result.setdefault(action.contact_email, []).append(action)
    return result


def reminders_send(*, year: int, quarter: int) -> int:
    sent = 0
    for email, actions in reminder_recipients(year=year, quarter=quarter).items():
        try:
            with transaction.atomic():
                ReminderSent.objects.create(email=email, year=year, quarter=quarter)
        except IntegrityError:
            continue  # another run got there first
        lines = "\n".join(f"- {a.title} ({a.execution_plan.title})" for a in actions)
        send_mail(
            _("Herinnering: update je acties voor kwartaal %(quarter)s") % {"quarter": quarter},
            _("Het kwartaal loopt bijna af. Deze acties hebben nog geen update:\n\n%(lines)s") % {"lines": lines},
            None, [email],
        )
        sent += 1
    return sent
