"""Design session pages: the facilitator's (logged in, a role in the area) and the
participants' (no account: a signed cookie for one session, see matrix.selectors)."""

import segno
from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import get_usage, is_ratelimited

from gebiedsplan.numbers import number_from_post
from plans.models import Membership, SectionKind
from plans.selectors import get_plan_for_user

from . import services
from .models import DesignSession, SessionItem
from .selectors import (
    SESSION_ROLES,
    cookie_name,
    cookie_salt,
    get_participant,
    get_session,
    get_session_for_user,
    session_board,
)
from .streams import event_stream, polling_stream

# Joining: a whole room may join from one venue network, so the limit on joins is
# generous; wrong codes are few in honest use and strictly limited (guessing).
JOIN_RATE = "60/m"
WRONG_CODE_RATE = "10/10m"
# Writes per participant (or per address for the facilitator): far above what a person
# taps in a minute, far below what a script sends.
WRITE_RATE = "120/m"


def _too_many(request: HttpRequest, group: str, rate: str, key="ip", increment: bool = True) -> bool:
    """Count this request against the limit (increment) and say whether it is over it;
    without incrementing, whether the limit is already used up."""
    if increment:
        return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
    usage = get_usage(request, group=group, key=key, rate=rate, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def _refused(request: HttpRequest, message: str, status: int = 409) -> HttpResponse:
    if request.htmx:
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return None


def _actor_for_write(request: HttpRequest, code):
    """The session and who writes: its participant (by cookie) or a facilitator of the
    area. A removed participant, or anyone else, is refused."""
    session = get_session(code)
    participant = get_participant(request, session)
    if participant is not None:
        if participant.removed:
            raise PermissionDenied
        return session, participant
    if request.user.is_authenticated:
        return get_session_for_user(request.user, code), None
    raise PermissionDenied


def _board_context(request, session, participant=None) -> dict:
    return {
        "session": session,
        "board": session_board(session, participant=participant),
        "participant": participant,
        "stream_url": reverse("matrix:stream", args=[session.code]),
    }


# --- the facilitator -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def session_new(request: HttpRequest, plan_code) -> HttpResponse:
    """Start a session on one of the plan's matrix sections; earlier sessions are listed."""
    plan = get_plan_for_user(request.user, plan_code, roles=SESSION_ROLES)
    sections = list(plan.sections.filter(kind=SectionKind.MATRIX))
    if request.method == "POST":
        section = next((s for s in sections if str(s.code) == request.POST.get("section", "")), None)
        if section is None:
            messages.error(request, _("Kies het onderdeel dat de sessie vult."))
        else:
            try:
                vote_limit = _typed_int(request.POST.get("vote_limit"), default=3)
                session = services.session_start(
                    section=section, user=request.user, title=request.POST.get("title", "").strip()[:200],
                    vote_limit=vote_limit, hide_items=request.POST.get("hide_items") == "on",
                )
            except services.SessionRefused as exc:
                messages.error(request, exc.message)
            else:
                return redirect("matrix:presenter", session.code)
    sessions = DesignSession.objects.filter(section__plan=plan).select_related("section")
    template = "matrix/session_new.html" + ("#session-list" if request.htmx else "")
    return render(request, template, {"plan": plan, "sections": sections, "sessions": sessions})


@require_GET
@login_required
def presenter(request: HttpRequest, code) -> HttpResponse:
    """The big screen: the matrix, the join code with its QR code, who joined."""
    session = get_session_for_user(request.user, code)
    context = _board_context(request, session)
    if request.htmx:
        return render(request, "matrix/presenter.html#board", context)
    join_url = request.build_absolute_uri(reverse("matrix:join_code", args=[session.join_code]))
    qr = segno.make(join_url, error="m")
    context.update(
        join_url=join_url,
        join_path=request.build_absolute_uri(reverse("matrix:join")),
        qr_svg=qr.svg_inline(scale=6, border=2, dark="#1a1a1a", title=_("QR-code om mee te doen"),
                             svgclass="qr__svg", lineclass=None),
    )
    return render(request, "matrix/presenter.html", context)


CONTROLS = {"phase", "joining", "lock", "timer", "votes", "remove", "item_update", "item_remove", "merge", "close"}


@require_POST
@login_required
def control(request: HttpRequest, code) -> HttpResponse:
    """Every facilitator control of a running session (one form field `action`)."""
    session = get_session_for_user(request.user, code)
    action = request.POST.get("action", "")
    if action not in CONTROLS:
        return HttpResponse(_("Onbekende actie."), status=400)
    if _too_many(request, "matrix.control", WRITE_RATE):
        return HttpResponse(_("Even rustig aan: probeer het zo opnieuw."), status=429)
    post = request.POST
    try:
        if action == "phase":
            services.phase_set(session=session, phase=post.get("phase", ""))
        elif action == "joining":
            services.joining_set(session=session, open=post.get("open") == "1")
        elif action == "lock":
            services.lock_set(session=session, locked=post.get("locked") == "1")
        elif action == "timer":
            services.timer_set(session=session, minutes=_typed_int(post.get("minutes")))
        elif action == "votes":
            services.vote_limit_set(session=session, vote_limit=_typed_int(post.get("vote_limit")) or 0)
        elif action == "remove":
            participant = session.participants.filter(pk=_int(post.get("participant"))).first()
            if participant is None:
                raise Http404
            services.participant_remove(session=session, participant=participant)
        elif action in ("item_update", "item_remove", "merge"):
            item = _item(session, post.get("item"))
            if action == "item_update":
                services.item_update(session=session, item=item, title=post.get("title", ""),
                                     text=post.get("text", ""))
            elif action == "item_remove":
                services.item_remove(session=session, item=item)
            else:
                services.items_merge(session=session, item=item, into=_item(session, post.get("into")))
        elif action == "close":
            services.session_close(session=session)
            messages.success(request, _("De sessie is gesloten en de ideeën staan in het plan."))
            return redirect("matrix:record", session.code)
    except services.SessionRefused as exc:
        response = _refused(request, exc.message)
        if response is not None:
            return response
    if request.htmx:
        return render(request, "matrix/presenter.html#board", _board_context(request, session))
    return redirect("matrix:presenter", session.code)


def _typed_int(raw, default: int | None = None) -> int | None:
    """A number a person typed ("5", "5,0"), read as everywhere else; a clear refusal otherwise."""
    try:
        return number_from_post(raw, default=default)
    except ValueError as error:
        raise services.SessionRefused(str(error)) from None


def _int(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _item(session: DesignSession, raw) -> SessionItem:
    item = SessionItem.objects.filter(session=session, pk=_int(raw)).first()
    if item is None:
        raise Http404
    return item


@require_GET
@login_required
def record(request: HttpRequest, code) -> HttpResponse:
    """What happened, when, and who took part: kept for the area's coordinator and facilitator."""
    session = get_session_for_user(request.user, code)
    context = {
        "session": session,
        "can_focus": session.is_closed and session.section.plan.user_role == Membership.Role.COORDINATOR,
        "participants": session.participants.all(),
        "events": session.events.order_by("seq"),
        "items": session.items.select_related("merged_into").annotate(dots=Count("votes")).order_by("id"),
    }
    template = "matrix/record.html" + ("#events" if request.htmx else "")
    return render(request, template, context)


@require_POST
@login_required
def item_focus(request: HttpRequest, code, item_id: int) -> HttpResponse:
    """The coordinator turns an idea of a closed session into a focus point of the plan."""
    session = get_session_for_user(request.user, code, roles=(Membership.Role.COORDINATOR,))
    item = _item(session, item_id)
    try:
        services.item_to_focus_point(session=session, item=item)
    except services.SessionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("“%(title)s” is een focuspunt van het plan.") % {"title": item.title})
    return redirect("matrix:record", session.code)


# --- participants ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, join_code: str = "") -> HttpResponse:
    """Type the code (or scan it), a name and an organisation, and you are in."""
    form = {"code": join_code, "name": "", "organisation": ""}
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        if _too_many(request, "matrix.join", JOIN_RATE) or _too_many(
            request, "matrix.join-wrong", WRONG_CODE_RATE, increment=False
        ):
            messages.error(request, _("Te veel pogingen. Wacht even en probeer het dan opnieuw."))
            status = 429
        else:
            session = DesignSession.objects.filter(
                join_code=services.normalise_join_code(form["code"])
            ).exclude(phase=DesignSession.Phase.CLOSED).first()
            if session is None:
                _too_many(request, "matrix.join-wrong", WRONG_CODE_RATE)  # count the miss
                messages.error(request, _("Deze code kennen we niet, of de sessie is al voorbij."))
                status = 404
            else:
                try:
                    participant = services.session_join(
                        session=session, name=form["name"], organisation=form["organisation"]
                    )
                except services.SessionRefused as exc:
                    messages.error(request, exc.message)
                    status = 409
                else:
                    response = redirect("matrix:participant", session.code)
                    response.set_signed_cookie(
                        cookie_name(session), participant.token, salt=cookie_salt(session),
                        max_age=24 * 3600, httponly=True, samesite="Lax",
                        path=reverse("matrix:participant", args=[session.code]).rsplit("/", 2)[0] + "/",
                        secure=request.is_secure(),
                    )
                    return response
    template = "matrix/join.html" + ("#join-form" if request.htmx else "")
    return render(request, template, {"form": form}, status=status)


@require_GET
def participant_view(request: HttpRequest, code) -> HttpResponse:
    session = get_session(code)
    participant = get_participant(request, session)
    if participant is None:
        return redirect("matrix:join")
    if participant.removed:
        raise PermissionDenied
    context = _board_context(request, session, participant)
    template = "matrix/participant.html" + ("#board" if request.htmx else "")
    return render(request, template, context)


def _after_write(request, session, participant) -> HttpResponse:
    if request.htmx:
        if participant is None:
            return render(request, "matrix/presenter.html#board", _board_context(request, session))
        return render(request, "matrix/participant.html#board", _board_context(request, session, participant))
    if participant is None:
        return redirect("matrix:presenter", session.code)
    return redirect("matrix:participant", session.code)


def _write_limited(request, participant) -> bool:
    key = (lambda group, req: participant.token) if participant else "ip"
    return _too_many(request, "matrix.write", WRITE_RATE, key=key)


@require_POST
def item_add(request: HttpRequest, code) -> HttpResponse:
    session, participant = _actor_for_write(request, code)
    if _write_limited(request, participant):
        return HttpResponse(_("Even rustig aan: probeer het zo opnieuw."), status=429)
    try:
        services.item_add(session=session, participant=participant, title=request.POST.get("title", ""),
                          text=request.POST.get("text", ""))
    except services.SessionRefused as exc:
        response = _refused(request, exc.message)
        if response is not None:
            return response
    return _after_write(request, session, participant)


@require_POST
def item_move(request: HttpRequest, code, item_id: int) -> HttpResponse:
    session, participant = _actor_for_write(request, code)
    if _write_limited(request, participant):
        return HttpResponse(_("Even rustig aan: probeer het zo opnieuw."), status=429)
    item = _item(session, item_id)
    place = request.POST.get("place", "")
    impact, _sep, effort = place.partition("_")
    if not place:
        impact, effort = request.POST.get("impact", ""), request.POST.get("effort", "")
        # One tap sets one axis; the other keeps its value or takes a first guess.
        impact = impact or item.impact or ("high" if effort else "")
        effort = effort or item.effort or ("little" if impact else "")
    try:
        services.item_move(session=session, item=item, impact=impact, effort=effort, participant=participant)
    except services.SessionRefused as exc:
        response = _refused(request, exc.message)
        if response is not None:
            return response
    return _after_write(request, session, participant)


@require_POST
def item_vote(request: HttpRequest, code, item_id: int) -> HttpResponse:
    session, participant = _actor_for_write(request, code)
    if participant is None:
        raise PermissionDenied  # dots are the participants'
    if _write_limited(request, participant):
        return HttpResponse(_("Even rustig aan: probeer het zo opnieuw."), status=429)
    item = _item(session, item_id)
    try:
        services.item_vote(session=session, item=item, participant=participant,
                           add=request.POST.get("dot") != "remove")
    except services.SessionRefused as exc:
        response = _refused(request, exc.message)
        if response is not None:
            return response
    return _after_write(request, session, participant)


def _stream_access(request, code) -> DesignSession:
    try:
        return _stream_check(request, code)
    finally:
        # Under ASGI this runs in a worker thread of its own: an open stream must not hold
        # a database connection (hundreds of screens would hold hundreds).
        connection.close()


def _stream_check(request, code) -> DesignSession:
    session = get_session(code)
    participant = get_participant(request, session)
    if participant is not None:
        if participant.removed:
            raise PermissionDenied
        return session
    if request.user.is_authenticated:
        return get_session_for_user(request.user, code)
    raise PermissionDenied


async def stream(request: HttpRequest, code) -> StreamingHttpResponse:
    """Server-sent events of the session, from `Last-Event-ID` (or ?na=) on."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    last = _int(request.headers.get("Last-Event-ID") or request.GET.get("na")) or 0
    if isinstance(request, ASGIRequest):
        session = await sync_to_async(_stream_access, thread_sensitive=False)(request, code)
        content = event_stream(session, last)
    else:
        # A threaded WSGI server (tests, runserver): the request's own thread and connection.
        session = await sync_to_async(_stream_check)(request, code)
        content = polling_stream(session, last)
    response = StreamingHttpResponse(content, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    # nginx and similar proxies must pass every message on at once.
    response["X-Accel-Buffering"] = "no"
    return response
