"""The ASGI app the proxy tests run under uvicorn: the platform, plus two stub event
streams (the live channel's real view is not part of this test).

/live/stream/ and /stream-with-header/ send one event, then wait until /release/ is
called, then send a second event and end. Through a buffering proxy the first event
would only arrive with the second, after the release the client can only send once it
has seen the first: an unbuffered stream is proven without any timing.
"""

import asyncio
import contextlib

from gebiedsplan.asgi import application as platform

_released = asyncio.Event()


async def _stream(send, *, with_header: bool) -> None:
    headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-store")]
    if with_header:
        headers.append((b"x-accel-buffering", b"no"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"data: first\n\n", "more_body": True})
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_released.wait(), timeout=30)
    _released.clear()
    await send({"type": "http.response.body", "body": b"data: second\n\n", "more_body": False})


async def application(scope, receive, send):
    path = scope.get("path", "")
    if scope["type"] == "http" and path in {"/live/stream/", "/stream-with-header/"}:
        return await _stream(send, with_header=path == "/stream-with-header/")
    if scope["type"] == "http" and path == "/release/":
        _released.set()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        return await send({"type": "http.response.body", "body": b""})
    return await platform(scope, receive, send)
