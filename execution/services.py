"""Every write to an execution plan goes through here: it checks the plan may still change
(`_begin`) and raises the plan's revision in the same transaction (`plan_touch`), so the
change is kept in the plan's history."""

from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plans.services import _begin, plan_touch

from .models import Action, ExecutionPlan, PartnerLink, PartnerLinkUse, ReminderSent, Review, Target
from .selectors import attach_current_values

LINK_SALT = "execution.partner-link"
LINK_DAYS = 30


@transaction.atomic
def execution_plan_create(*, plan, title: str, **fields) -> ExecutionPlan:
    _begin(plan=plan)
    if not title.strip():
        raise ValidationError(_("Geef het uitvoeringsplan een titel."))
    item = ExecutionPlan.objects.create(plan=plan, title=title.strip(), order=plan.execution_plans.count(), **fields)
    plan_touch(plan=plan, what=_("Uitvoeringsplan toegevoegd: %(title)s") % {"title": item.title}, changed=[], own=True)
    return item


@transaction.atomic
def action_add(*, execution_plan: ExecutionPlan, title: str, **fields) -> Action:
    _begin(plan=execution_plan.plan)
    if not title.strip():
        raise ValidationError(_("Geef de actie een titel."))
    action = Action(execution_plan=execution_plan, title=title.strip(), order=execution_plan.actions.count(), **fields)
    action.full_clean()
    action.save()
    plan_touch(plan=execution_plan.plan, what=_("Actie toegevoegd: %(title)s") % {"title": action.title}, changed=[], own=True)
    return action


@transaction.atomic
def action_update(*, action: Action, status: str | None = None, update: str | None = None) -> Action:
    plan = action.execution_plan.plan
    _begin(plan=plan)
    if status is not None:
        if status and status not in Action.Status.values:
            raise ValidationError(_("Kies een geldige status."))
        action.status = status
    if update is not None:
        action.last_update = update.strip()
        action.last_update_at = timezone.now()
    action.save()
    plan_touch(plan=plan, what=_("Actie bijgewerkt: %(title)s") % {"title": action.title}, changed=[], own=True)
    return action


@transaction.atomic
def target_add(*, execution_plan: ExecutionPlan, statement: str, **fields) -> Target:
    _begin(plan=execution_plan.plan)
    if not statement.strip():
        raise ValidationError(_("Beschrijf het doel."))
    target = Target.objects.create(execution_plan=execution_plan, statement=statement.strip(), **fields)
    plan_touch(plan=execution_plan.plan, what=_("Doel toegevoegd: %(statement)s") % {"statement": target.statement}, changed=[], own=True)
    return target


def _snapshot(execution_plan: ExecutionPlan) -> dict:
    labels = dict(Action.Status.choices)
    targets = list(execution_plan.targets.select_related("indicator"))
    attach_current_values(targets)
    return {
        "actions": [
            {"id": a.pk, "title": a.title, "owner": a.owner, "status": a.status,
             "status_label": str(labels.get(a.status, _("Zonder status"))), "update": a.last_update}
            for a in execution_plan.actions.order_by("order", "id")
        ],
        "targets": [
            {"id": t.pk, "statement": t.statement, "baseline": None if t.baseline is None else str(t.baseline),
             "goal": None if t.goal is None else str(t.goal),
             "current": None if t.current is None else str(t.current), "current_year": t.current_year}
            for t in targets
        ],
    }


@transaction.atomic
def review_save(*, execution_plan: ExecutionPlan, year: int, quarter: int, complete: bool = False, **notes) -> Review:
    """Save a quarter's notes; `complete` freezes the snapshot. A completed review no longer changes."""
    _begin(plan=execution_plan.plan)
    if quarter not in (1, 2, 3, 4):
        raise ValidationError(_("Een kwartaal is 1, 2, 3 of 4."))
    review, _created = Review.objects.select_for_update().get_or_create(
        execution_plan=execution_plan, year=year, quarter=quarter
    )
    if review.completed_at:
        raise ValidationError(_("Deze kwartaalreview is al afgerond en kan niet meer veranderen."))
    for name, value in notes.items():
        setattr(review, name, value)
    if complete:
        review.snapshot = _snapshot(execution_plan)
        review.completed_at = timezone.now()
    review.save()
    plan_touch(plan=execution_plan.plan, what=_("Kwartaalreview %(year)s-K%(quarter)s") % {"year": year, "quarter": quarter}, changed=[], own=True)
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
