"""Who may see a design session, and what a screen shows of it."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core import signing
from django.db.models import Count, Q
from django.http import Http404

from plans.models import Membership
from plans.selectors import get_plan_for_user

from .models import DesignSession, MatrixItem, Participant, SessionEvent, SessionItem

SESSION_ROLES = (Membership.Role.COORDINATOR, Membership.Role.FACILITATOR)
# A screen further behind than this gets the whole board instead of every event.
MAX_REPLAY = 200
COOKIE_PREFIX = "ontwerpsessie-"


def get_session_for_user(user, code, *, roles=SESSION_ROLES) -> DesignSession:
    """The session with this code for a facilitator or coordinator of its area.

    Unknown session or no role in the area: 404 (codes cannot be probed); a manager: 403.
    """
    session = (
        DesignSession.objects.select_related("section__plan__area__organisation").filter(code=code).first()
    )
    if session is None:
        raise Http404
    plan = get_plan_for_user(user, session.section.plan.code, roles=roles)
    session.section.plan.user_role = plan.user_role
    return session


# --- the participant's cookie --------------------------------------------------------------


def cookie_name(session: DesignSession) -> str:
    return COOKIE_PREFIX + session.code.hex


def cookie_salt(session: DesignSession) -> str:
    # The salt binds a signed value to one session: a cookie of another session, copied
    # over, does not verify.
    return f"matrix.participant.{session.code.hex}"


def get_participant(request, session: DesignSession) -> Participant | None:
    """The participant this browser joined the session as, if any (removed ones too:
    the caller refuses them)."""
    try:
        token = request.get_signed_cookie(cookie_name(session), salt=cookie_salt(session))
    except (KeyError, signing.BadSignature):
        return None
    return Participant.objects.filter(session=session, token=token).first()


def get_session(code) -> DesignSession:
    session = DesignSession.objects.select_related("section__plan__area__organisation").filter(code=code).first()
    if session is None:
        raise Http404
    return session


# --- the board -----------------------------------------------------------------------------


@dataclass
class Board:
    session: DesignSession
    quadrants: dict[str, list[SessionItem]] = field(default_factory=dict)
    unplaced: list[SessionItem] = field(default_factory=list)
    hidden_count: int = 0
    organisations: list[tuple[str, list[Participant]]] = field(default_factory=list)
    participant_count: int = 0
    dots_used: int = 0
    my_dots: dict[int, int] = field(default_factory=dict)

    @property
    def dots_left(self) -> int:
        return max(self.session.vote_limit - self.dots_used, 0)

    @property
    def item_count(self) -> int:
        return sum(len(v) for v in self.quadrants.values()) + len(self.unplaced)


QUADRANTS = [f"{i}_{e}" for i in MatrixItem.Impact.values for e in MatrixItem.Effort.values]


def session_board(session: DesignSession, *, participant: Participant | None = None) -> Board:
    """What one screen shows: the items (a hidden idea only to its proposer), dot counts,
    who joined per organisation and the viewer's own dots. A fixed number of queries."""
    board = Board(session=session, quadrants={q: [] for q in QUADRANTS})
    items = (
        SessionItem.objects.filter(session=session, removed=False, merged_into=None)
        .annotate(dots=Count("votes", distinct=True))
        .order_by("id")
    )
    if participant is not None:
        items = items.annotate(my_dots=Count("votes", filter=Q(votes__participant=participant), distinct=True))
    for item in items:
        if item.hidden and (participant is None or item.proposer_id != participant.pk):
            board.hidden_count += 1
            continue
        if item.is_placed:
            board.quadrants[item.quadrant].append(item)
        else:
            board.unplaced.append(item)
        if participant is not None and item.my_dots:
            board.my_dots[item.pk] = item.my_dots
            board.dots_used += item.my_dots
    if session.phase in (DesignSession.Phase.VOTE, DesignSession.Phase.REVIEW, DesignSession.Phase.CLOSED):
        for quadrant in board.quadrants.values():
            quadrant.sort(key=lambda i: (-i.dots, i.pk))
    by_org: dict[str, list[Participant]] = defaultdict(list)
    for p in Participant.objects.filter(session=session, removed=False).order_by("organisation", "name"):
        by_org[p.organisation].append(p)
        board.participant_count += 1
    board.organisations = sorted(by_org.items(), key=lambda kv: kv[0].lower())
    return board


def events_since(session: DesignSession, last: int) -> list[SessionEvent] | None:
    """The events after `last`, in order; None when that is more than a screen should
    replay (it reloads the board instead)."""
    if session.last_event - last > MAX_REPLAY:
        return None
    return list(SessionEvent.objects.filter(session=session, seq__gt=last).order_by("seq"))
