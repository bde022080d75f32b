"""A request-body limit at the ASGI level, before Django reads a byte of the body.

Django's ASGI handler reads the whole body into a spooled temporary file before any
middleware runs, so a limit in Django middleware comes after the disk has filled; and a
chunked body has no Content-Length for it to judge. This wrapper refuses a declared
length over the limit at once, and stops reading a chunked (or lying) body as soon as it
passes the limit. The reverse proxy (deploy/nginx.conf) enforces the same limit in front.
"""

import logging

from django.conf import settings

logger = logging.getLogger(__name__)

# Room for the multipart envelope and the other form fields (as RequestSizeLimitMiddleware).
MARGIN = 256 * 1024
# A body a little over the limit is read and thrown away (never stored) before the 413,
# so that a client or proxy still sending it reads our answer instead of a reset
# connection. Anything further over is answered at once and the connection closed.
DRAIN_MAX = 64 * 1024 * 1024


def body_limit() -> int:
    return int(settings.IMPORT_MAX_BYTES) + MARGIN


def _declared_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _language(scope) -> str:
    """The visitor's chosen language (the switch's cookie), as LanguageMiddleware reads it."""
    from http.cookies import CookieError, SimpleCookie

    supported = {code for code, _ in settings.LANGUAGES}
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            try:
                cookies = SimpleCookie(value.decode("latin-1"))
            except CookieError:
                break
            chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME)
            if chosen is not None and chosen.value in supported:
                return chosen.value
    return settings.LANGUAGE_CODE


def _refusal_page(scope) -> bytes:
    from django.template.loader import render_to_string
    from django.utils import translation

    limit_mb = settings.IMPORT_MAX_BYTES // (1024 * 1024)
    with translation.override(_language(scope)):
        return render_to_string("413.html", {"limit_mb": limit_mb}).encode()


async def _refuse(scope, send) -> None:
    body = _refusal_page(scope)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"private, no-store"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimitMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit()
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            logger.warning("Refused a request body of %s bytes (limit %s)", declared, limit)
            if declared <= limit + DRAIN_MAX:
                await _drain(receive, budget=declared)
            return await _refuse(scope, send)

        received = 0
        exceeded = False
        started = False

        async def limited_receive():
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Django stops reading at a disconnect and answers nothing; we answer.
                    exceeded = True
                    logger.warning("Refused a request body over %s bytes (chunked)", limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal started
            if exceeded and not started:
                return  # whatever the app says after the cut-off, the answer is ours
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)
        if exceeded and not started:
            await _drain(receive, budget=DRAIN_MAX)
            await _refuse(scope, send)


async def _drain(receive, *, budget: int) -> None:
    """Read and discard the rest of the body, at most `budget` bytes."""
    seen = 0
    while seen <= budget:
        message = await receive()
        if message["type"] != "http.request":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return
