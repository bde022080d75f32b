"""Nothing typed is lost when the session ran out while someone was editing.

A form posted without a valid session (it expired, or the person was logged out in
another tab) is not thrown away: `login_required_keep_draft` keeps what was posted on the
server (in the cache, for DRAFT_SECONDS) under a random key and sends the person to the
login page with a signed token in the address they return to. After logging in, the
editor reads the draft back with `draft_take` and shows it in the form, not yet saved,
with the revision the person had loaded: if someone else saved meanwhile, saving shows
the usual conflict with both versions.

Why on the server and not in the browser's sessionStorage: it works without JavaScript,
for htmx and plain posts alike, and survives a login in another tab. The token is only a
pointer; the draft is handed out once, only on the page it was typed on, and only to
someone who may edit that page (the view checks access as always before reading it).
"""

import secrets
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, QueryDict
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

DRAFT_PARAM = "concept"
DRAFT_SECONDS = 24 * 3600
_SALT = "plans.drafts"
# Never kept: the CSRF token (the login brings a new one). The views restore typing into
# their forms; they never replay a post, so a button pressed (delete, move) does nothing.
_DROP = {"csrfmiddlewaretoken"}


def _key(token: str) -> str:
    return f"plans:draft:{token}"


# Anyone can post to an editing address without a session: keep at most this many drafts
# per address (a person whose session ran out posts once or twice; a script, thousands).
DRAFT_RATE = "30/h"


def draft_stash(request: HttpRequest) -> str | None:
    """Keep what this request posted; the signed token that finds it again (None when the
    address has posted too many drafts already)."""
    from django_ratelimit.core import is_ratelimited

    if is_ratelimited(request, group="plans.drafts", key="ip", rate=DRAFT_RATE, increment=True):
        return None
    data = {name: request.POST.getlist(name) for name in request.POST if name not in _DROP}
    token = secrets.token_urlsafe(18)
    cache.set(_key(token), {"path": request.path, "data": data}, DRAFT_SECONDS)
    return signing.dumps(token, salt=_SALT)


def draft_take(request: HttpRequest) -> QueryDict | None:
    """The draft the address points at, once, if it was typed on this page."""
    signed = request.GET.get(DRAFT_PARAM)
    if not signed:
        return None
    try:
        token = signing.loads(signed, salt=_SALT, max_age=DRAFT_SECONDS)
    except signing.BadSignature:
        return None
    stored = cache.get(_key(token))
    if not stored or stored.get("path") != request.path:
        return None
    cache.delete(_key(token))
    data = QueryDict(mutable=True)
    for name, values in stored["data"].items():
        data.setlist(name, values)
    messages.info(request, _("Wat u had ingevuld is teruggezet, maar nog niet opgeslagen. Controleer het en sla op."))
    return data


def login_required_keep_draft(view):
    """login_required that keeps a post's typing across the login it asks for."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        back = request.path
        token = draft_stash(request) if request.method == "POST" else None
        if token:
            back += "?" + urlencode({DRAFT_PARAM: token})
            messages.warning(
                request,
                _("U was niet meer ingelogd. Log opnieuw in; daarna staat wat u had ingevuld weer in het formulier."),
            )
        url = resolve_url(settings.LOGIN_URL) + "?" + urlencode({"next": back})
        if request.htmx:
            return HttpResponseClientRedirect(url)
        return redirect(url)

    return wrapper
