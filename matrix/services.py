"""Live design sessions: every change a facilitator or participant makes.

One ordering rule for everything: a write locks the session row (SELECT … FOR UPDATE),
applies the change, takes the next event number and appends a SessionEvent, all in one
transaction. Writes of one session are therefore applied one after another in commit
order, the event numbers are that order, and for two people moving the same item at
once the move that commits last wins: its event has the higher number, and every
screen ends on the state after the highest event it has seen.

The live channel is told after commit (`transaction.on_commit`); a message that is lost
or overtaken is filled in from the stored log by the stream (matrix/streams.py).
"""

import logging
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from gebiedsplan.live import get_channel
from plans.models import Plan, Section, SectionKind
from plans.services import ADOPTED_MESSAGE, matrix_items_replace

from .models import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    DesignSession,
    MatrixItem,
    Participant,
    SessionEvent,
    SessionItem,
    Vote,
)

logger = logging.getLogger(__name__)

Phase = DesignSession.Phase
FACILITATOR = "facilitator"


class SessionRefused(Exception):
    """A change the session does not allow now; the message is for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _publish(topic: str, message: dict) -> None:
    try:
        get_channel().publish(topic, message)
    except ConnectionError:
        # The change is committed; screens get it from the log with the next event.
        logger.warning("live channel unreachable, event %s not pushed", message.get("id"))


def _lock(session: DesignSession) -> DesignSession:
    """The session row, locked for this transaction, with fresh fields."""
    locked = DesignSession.objects.select_for_update().get(pk=session.pk)
    for field in ("phase", "joining_open", "hide_items", "vote_limit", "timer_end", "locked", "last_event", "closed"):
        setattr(session, field, getattr(locked, field))
    return locked


def _emit(session: DesignSession, kind: str, data: dict | None = None, *, actor: str = "") -> SessionEvent:
    """Append the next event of a locked session and push it once the transaction commits."""
    session.last_event += 1
    DesignSession.objects.filter(pk=session.pk).update(last_event=session.last_event, updated=timezone.now())
    event = SessionEvent.objects.create(
        session=session, seq=session.last_event, kind=kind, actor=actor, data=data or {}
    )
    transaction.on_commit(lambda: _publish(session.topic, event.as_message()))
    return event


def _actor(participant: Participant | None) -> str:
    return str(participant) if participant else FACILITATOR


def _refuse_closed(session: DesignSession) -> None:
    if session.phase == Phase.CLOSED:
        raise SessionRefused(_("Deze sessie is gesloten."))


def _refuse_participant(session: DesignSession, participant: Participant | None, *, phases: tuple[str, ...]) -> None:
    """Participants may only act in some phases and never on a locked board or once removed."""
    _refuse_closed(session)
    if participant is None:
        return
    if Participant.objects.filter(pk=participant.pk, removed=True).exists():
        raise SessionRefused(_("Je bent uit deze sessie verwijderd."))
    if session.locked:
        raise SessionRefused(_("Het bord is vergrendeld."))
    if session.phase not in phases:
        raise SessionRefused(_("Dat kan niet in deze fase."))


def _new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(raw: str) -> str:
    """What a person typed, as a code: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def item_message(item: SessionItem) -> dict:
    """An item as the live channel carries it: a hidden item's words stay on the server."""
    data = {"item": item.pk, "impact": item.impact, "effort": item.effort, "hidden": item.hidden}
    if not item.hidden:
        data.update(title=item.title, proposed_by=item.proposed_by)
    return data


# --- the facilitator -----------------------------------------------------------------------


@transaction.atomic
def session_start(
    *, section: Section, user, title: str = "", vote_limit: int = 3, hide_items: bool = False
) -> DesignSession:
    """A new session on a plan's matrix section; the section's current items are on the
    board from the start, so closing the session replaces them without losing any."""
    if section.kind != SectionKind.MATRIX:
        raise SessionRefused(_("Een ontwerpsessie vult een impact/effort matrix."))
    if Plan.objects.filter(pk=section.plan_id, status=Plan.Status.ADOPTED).exists():
        raise SessionRefused(str(ADOPTED_MESSAGE))
    if not 1 <= vote_limit <= 20:
        raise SessionRefused(_("Kies 1 tot 20 stippen per persoon."))
    for _attempt in range(10):
        try:
            with transaction.atomic():
                session = DesignSession.objects.create(
                    section=section, started_by=user, title=title, vote_limit=vote_limit,
                    hide_items=hide_items, join_code=_new_join_code(),
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - 31^6 codes
        raise RuntimeError("no free join code")
    SessionItem.objects.bulk_create(
        SessionItem(session=session, title=m.title, text=m.text, impact=m.impact, effort=m.effort,
                    proposed_by=m.proposed_by)
        for m in MatrixItem.objects.filter(section=section)
    )
    _emit(session, "started", {"join_code": session.join_code}, actor=str(user))
    return session


@transaction.atomic
def phase_set(*, session: DesignSession, phase: str) -> DesignSession:
    _lock(session)
    _refuse_closed(session)
    if phase not in (Phase.COLLECT, Phase.PLACE, Phase.VOTE, Phase.REVIEW):
        raise SessionRefused(_("Onbekende fase."))
    session.phase = phase
    session.save(update_fields=["phase", "updated"])
    revealed = []
    if phase != Phase.COLLECT:
        # Hidden ideas are revealed once collecting is over.
        revealed = list(session.items.filter(hidden=True).values_list("pk", flat=True))
        session.items.filter(hidden=True).update(hidden=False)
    _emit(session, "phase", {"phase": phase, "revealed": revealed}, actor=FACILITATOR)
    return session


@transaction.atomic
def joining_set(*, session: DesignSession, open: bool) -> DesignSession:  # noqa: A002
    _lock(session)
    _refuse_closed(session)
    session.joining_open = open
    session.save(update_fields=["joining_open", "updated"])
    _emit(session, "joining", {"open": open}, actor=FACILITATOR)
    return session


@transaction.atomic
def lock_set(*, session: DesignSession, locked: bool) -> DesignSession:
    _lock(session)
    _refuse_closed(session)
    session.locked = locked
    session.save(update_fields=["locked", "updated"])
    _emit(session, "lock", {"locked": locked}, actor=FACILITATOR)
    return session


@transaction.atomic
def vote_limit_set(*, session: DesignSession, vote_limit: int) -> DesignSession:
    _lock(session)
    _refuse_closed(session)
    if not 1 <= vote_limit <= 20:
        raise SessionRefused(_("Kies 1 tot 20 stippen per persoon."))
    session.vote_limit = vote_limit
    session.save(update_fields=["vote_limit", "updated"])
    _emit(session, "vote_limit", {"vote_limit": vote_limit}, actor=FACILITATOR)
    return session


@transaction.atomic
def timer_set(*, session: DesignSession, minutes: int | None) -> DesignSession:
    """Start a timer of `minutes` on every screen, or stop it (None or 0)."""
    _lock(session)
    _refuse_closed(session)
    if minutes is not None and not 0 <= minutes <= 120:
        raise SessionRefused(_("Kies een timer van 1 tot 120 minuten."))
    session.timer_end = timezone.now() + timedelta(minutes=minutes) if minutes else None
    session.save(update_fields=["timer_end", "updated"])
    _emit(session, "timer", {"ends": session.timer_end.isoformat() if session.timer_end else None},
          actor=FACILITATOR)
    return session


@transaction.atomic
def participant_remove(*, session: DesignSession, participant: Participant) -> Participant:
    """The participant's cookie admits to nothing any more; their items stay."""
    _lock(session)
    _refuse_closed(session)
    Participant.objects.filter(pk=participant.pk).update(removed=True, updated=timezone.now())
    participant.removed = True
    # Their dots leave with them, so that they no longer weigh in.
    Vote.objects.filter(participant=participant).delete()
    _emit(session, "removed", {"participant": participant.pk}, actor=FACILITATOR)
    return participant


@transaction.atomic
def item_update(*, session: DesignSession, item: SessionItem, title: str, text: str = "") -> SessionItem:
    _lock(session)
    _refuse_closed(session)
    item.title, item.text = _clean_title(title), text.strip()
    item.save(update_fields=["title", "text", "updated"])
    _emit(session, "item_updated", item_message(item), actor=FACILITATOR)
    return item


@transaction.atomic
def item_remove(*, session: DesignSession, item: SessionItem) -> None:
    _lock(session)
    _refuse_closed(session)
    item.removed = True
    item.save(update_fields=["removed", "updated"])
    item.votes.all().delete()
    _emit(session, "item_removed", {"item": item.pk}, actor=FACILITATOR)


@transaction.atomic
def items_merge(*, session: DesignSession, item: SessionItem, into: SessionItem) -> SessionItem:
    """A duplicate goes into another item: its dots count for the other one."""
    _lock(session)
    _refuse_closed(session)
    if item.pk == into.pk or into.session_id != session.pk or into.removed or into.merged_into_id:
        raise SessionRefused(_("Kies een ander idee om mee samen te voegen."))
    item.merged_into = into
    item.save(update_fields=["merged_into", "updated"])
    Vote.objects.filter(item=item).update(item=into)
    _emit(session, "merged", {"item": item.pk, "into": into.pk}, actor=FACILITATOR)
    return into


@transaction.atomic
def session_close(*, session: DesignSession) -> int:
    """Close the session and write the placed items into the plan's matrix section as one
    plan revision (most dots first within a quadrant). Returns that revision."""
    _lock(session)
    _refuse_closed(session)
    items = (
        session.items.filter(removed=False, merged_into=None)
        .exclude(impact="")
        .annotate(dots=Count("votes"))
        .order_by("-dots", "id")
    )
    try:
        revision = matrix_items_replace(
            section=Section.objects.select_related("plan").get(pk=session.section_id),
            items=[
                {"title": i.title, "text": i.text, "impact": i.impact, "effort": i.effort,
                 "proposed_by": i.proposed_by, "votes": i.dots}
                for i in items
            ],
        )
    except ValidationError as exc:  # e.g. the plan was adopted during the session
        raise SessionRefused(" ".join(exc.messages)) from None
    session.phase = Phase.CLOSED
    session.joining_open = False
    session.timer_end = None
    session.closed = timezone.now()
    session.plan_revision = revision
    session.save(update_fields=["phase", "joining_open", "timer_end", "closed", "plan_revision", "updated"])
    _emit(session, "closed", {"revision": revision, "items": len(items)}, actor=FACILITATOR)
    return revision


def item_to_focus_point(*, session: DesignSession, item: SessionItem):
    """Make a focus point of the plan from an idea of a closed session (the coordinator's
    choice after the session), through the plan's own service: one more plan revision."""
    from plans.models import FocusPoint
    from plans.sanitize import plain_to_html
    from plans.services import content_add

    if session.phase != Phase.CLOSED:
        raise SessionRefused(_("Sluit eerst de sessie."))
    focus = Section.objects.filter(plan_id=session.section.plan_id, kind=SectionKind.FOCUS).order_by("order", "id").first()
    if focus is None:
        raise SessionRefused(_("Dit plan heeft geen onderdeel met focuspunten."))
    if FocusPoint.objects.filter(section=focus, title=item.title).exists():
        raise SessionRefused(_("Dit idee is al een focuspunt."))
    dots = item.votes.count()
    # Plan content, not interface: written in the plan's language whoever clicks.
    origin = f"Uit de ontwerpsessie van {session.created:%d-%m-%Y}"
    if item.proposed_by:
        origin += f", voorgesteld door {item.proposed_by}"
    if dots:
        origin += f", {dots} {'stem' if dots == 1 else 'stemmen'}"
    try:
        return content_add(FocusPoint, section=focus, title=item.title, statement=item.text, qualitative=plain_to_html(origin + "."))
    except ValidationError as exc:
        raise SessionRefused(" ".join(exc.messages)) from None


# --- everyone ------------------------------------------------------------------------------


@transaction.atomic
def session_join(*, session: DesignSession, name: str, organisation: str) -> Participant:
    _lock(session)
    _refuse_closed(session)
    if not session.joining_open:
        raise SessionRefused(_("Deelnemen aan deze sessie is gesloten."))
    name, organisation = name.strip()[:100], organisation.strip()[:100]
    if not name or not organisation:
        raise SessionRefused(_("Vul je naam en je organisatie in."))
    participant = Participant.objects.create(
        session=session, name=name, organisation=organisation, token=secrets.token_urlsafe(32)
    )
    _emit(session, "joined", {"participant": participant.pk, "name": name, "organisation": organisation},
          actor=str(participant))
    return participant


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise SessionRefused(_("Schrijf op wat we gaan doen."))
    if len(title) > 300:
        raise SessionRefused(_("Maak het idee korter (hooguit 300 tekens)."))
    return title


@transaction.atomic
def item_add(
    *, session: DesignSession, title: str, text: str = "", participant: Participant | None = None
) -> SessionItem:
    """A new idea, unplaced; in the collect phase of a session that hides ideas, only its
    proposer sees it until the facilitator moves on."""
    _lock(session)
    _refuse_participant(session, participant, phases=(Phase.COLLECT, Phase.PLACE))
    item = SessionItem.objects.create(
        session=session, title=_clean_title(title), text=text.strip()[:2000], proposer=participant,
        proposed_by=participant.organisation if participant else "",
        hidden=bool(participant and session.hide_items and session.phase == Phase.COLLECT),
    )
    _emit(session, "item_added", item_message(item), actor=_actor(participant))
    return item


@transaction.atomic
def item_move(
    *, session: DesignSession, item: SessionItem, impact: str, effort: str, participant: Participant | None = None
) -> SessionItem:
    """Put an item in a quadrant (or back off the board with two empty values)."""
    _lock(session)
    _refuse_participant(session, participant, phases=(Phase.COLLECT, Phase.PLACE))
    if (impact, effort) != ("", "") and (
        impact not in MatrixItem.Impact.values or effort not in MatrixItem.Effort.values
    ):
        raise SessionRefused(_("Kies hoge of lage impact en weinig of veel moeite."))
    item = SessionItem.objects.get(pk=item.pk)
    if item.removed or item.merged_into_id:
        raise SessionRefused(_("Dit idee staat niet meer op het bord."))
    if item.hidden and (participant is None or item.proposer_id != participant.pk):
        raise SessionRefused(_("Dit idee is nog verborgen."))
    item.impact, item.effort = impact, effort
    item.save(update_fields=["impact", "effort", "updated"])
    _emit(session, "item_moved", item_message(item), actor=_actor(participant))
    return item


@transaction.atomic
def item_vote(*, session: DesignSession, item: SessionItem, participant: Participant, add: bool = True) -> int:
    """Put one of the participant's dots on an item (or take one back). Returns the dots
    the participant has left."""
    _lock(session)
    _refuse_participant(session, participant, phases=(Phase.VOTE,))
    if item.removed or item.merged_into_id:
        raise SessionRefused(_("Dit idee staat niet meer op het bord."))
    used = Vote.objects.filter(session=session, participant=participant).count()
    if add:
        if used >= session.vote_limit:
            raise SessionRefused(_("Je stippen zijn op."))
        Vote.objects.create(session=session, item=item, participant=participant)
        used += 1
    else:
        vote = Vote.objects.filter(item=item, participant=participant).first()
        if vote is None:
            raise SessionRefused(_("Je hebt hier geen stip staan."))
        vote.delete()
        used -= 1
    _emit(
        session, "vote",
        {"item": item.pk, "votes": item.votes.count(), "participant": participant.pk, "used": used},
        actor=_actor(participant),
    )
    return session.vote_limit - used
