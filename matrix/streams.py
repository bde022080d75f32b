"""The server-sent event stream of a session.

Every message carries the session-ordered event number as its SSE `id`. A screen that
reconnects sends `Last-Event-ID` (browsers do this by themselves) and first receives
what it missed from the stored log; when it is too far behind, one `reset` message tells
it to load the whole board. Live messages arrive through the live channel; one that
would skip a number (a publish overtaken by a later one, or lost while Redis was away)
makes the stream read the gap from the log first, so a screen sees every event once
and in order.
"""

import asyncio
import json
import time

from asgiref.sync import sync_to_async
from django.db import connection

from gebiedsplan.live import get_channel

from .models import DesignSession
from .selectors import events_since

HEARTBEAT_SECONDS = 15


def sse(message: dict) -> str:
    return f"id: {message['id']}\ndata: {json.dumps(message, separators=(',', ':'))}\n\n"


def _backlog(session_pk: int, last: int) -> tuple[list[dict], int]:
    """The messages after `last` and the number to continue from."""
    session = DesignSession.objects.get(pk=session_pk)
    events = events_since(session, last)
    if events is None:
        return [{"id": session.last_event, "kind": "reset", "data": {}}], session.last_event
    messages = [e.as_message() for e in events]
    return messages, messages[-1]["id"] if messages else last


def _backlog_and_close(session_pk: int, last: int) -> tuple[list[dict], int]:
    """The same from a worker thread, which must not keep a database connection for as
    long as the stream is open (hundreds of screens would hold hundreds of connections)."""
    try:
        return _backlog(session_pk, last)
    finally:
        connection.close()


async def event_stream(session: DesignSession, last: int):
    """The stream for an ASGI server: subscribe first, then replay, then go live."""
    subscription = get_channel().open(session.topic)
    try:
        await subscription.ready()
        yield "retry: 1000\n\n"
        messages, last = await sync_to_async(_backlog_and_close, thread_sensitive=False)(session.pk, last)
        for message in messages:
            yield sse(message)
        while True:
            try:
                message = await asyncio.wait_for(subscription.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                yield ": ping\n\n"
                continue
            if message["id"] <= last:
                continue
            if message["id"] > last + 1:
                messages, last = await sync_to_async(_backlog_and_close, thread_sensitive=False)(session.pk, last)
                for missed in messages:
                    yield sse(missed)
                continue
            last = message["id"]
            yield sse(message)
    finally:
        subscription.close()


def polling_stream(session: DesignSession, last: int, *, interval: float = 0.2, duration: float = 300):
    """The same stream for a threaded WSGI server (the test server, `runserver`): it reads
    the log instead of listening, and ends after `duration` (the browser reconnects)."""
    yield "retry: 500\n\n"
    ends = time.monotonic() + duration
    quiet = 0.0
    while time.monotonic() < ends:
        try:
            messages, last = _backlog(session.pk, last)
        except DesignSession.DoesNotExist:
            return
        for message in messages:
            yield sse(message)
        if messages:
            quiet = 0.0
        else:
            quiet += interval
            if quiet >= HEARTBEAT_SECONDS:
                quiet = 0.0
                yield ": ping\n\n"
        time.sleep(interval)
