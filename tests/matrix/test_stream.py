"""The event stream: every event once, in order, and what a reconnecting screen missed."""

import asyncio
import json

import pytest
from django.db import connections
from django.urls import reverse

from gebiedsplan import live
from matrix import selectors, services, streams
from matrix.models import DesignSession
from tests.matrix.helpers import run_async

pytestmark = pytest.mark.django_db


def url(session):
    return reverse("matrix:stream", args=[session.code])


def read(response, count: int) -> list[dict]:
    """The first `count` messages of an event stream (comments and retry lines skipped)."""
    got = []
    for chunk in response.streaming_content:
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        for line in text.splitlines():
            if line.startswith("data: "):
                got.append(json.loads(line[6:]))
        if len(got) >= count:
            break
    response.close()
    return got


def busy(session, n=5):
    anna = services.session_join(session=session, name="Anna", organisation="GGD")
    for i in range(n):
        services.item_add(session=session, participant=anna, title=f"We gaan {i}")
    session.refresh_from_db()
    return anna


class TestStream:
    def test_it_resumes_from_last_event_id_with_exactly_the_missed_events(self, session, join):
        phone, _ = join(session)
        busy(session)
        response = phone.get(url(session), HTTP_LAST_EVENT_ID="4")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/event-stream"
        assert response["X-Accel-Buffering"] == "no"
        messages = read(response, session.last_event - 4)
        assert [m["id"] for m in messages] == list(range(5, session.last_event + 1))
        assert [m["kind"] for m in messages] == ["item_added"] * len(messages)

    def test_a_screen_too_far_behind_is_told_to_reload(self, session, join, monkeypatch):
        monkeypatch.setattr(selectors, "MAX_REPLAY", 3)
        phone, _ = join(session)
        busy(session)
        messages = read(phone.get(url(session) + "?na=1"), 1)
        assert messages == [{"id": session.last_event, "kind": "reset", "data": {}}]

    def test_the_facilitator_may_listen(self, client, people, session):
        client.force_login(people.facilitator)
        assert [m["kind"] for m in read(client.get(url(session)), 1)] == ["started"]

    def test_it_admits_nobody_else(self, client, people, section, session, join):
        assert client.get(url(session)).status_code == 403
        client.force_login(people.manager)
        assert client.get(url(session)).status_code == 403
        client.force_login(people.outsider)
        assert client.get(url(session)).status_code == 404
        phone, anna = join(session)
        other = services.session_start(section=section, user=people.facilitator)
        assert phone.get(url(other)).status_code == 403
        services.participant_remove(session=session, participant=anna)
        assert phone.get(url(session)).status_code == 403

    def test_it_rejects_the_wrong_method(self, session, join):
        phone, _ = join(session)
        assert phone.post(url(session)).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_the_live_stream_fills_gaps_from_the_log_and_drops_repeats(people, section, monkeypatch):
    """Under ASGI: a message that overtakes an earlier one, or comes twice, still gives
    every event once and in order."""
    channel = live.InProcessChannel()
    monkeypatch.setattr(streams, "get_channel", lambda: channel)
    monkeypatch.setattr(services, "get_channel", lambda: channel)
    session = services.session_start(section=section, user=people.facilitator)

    async def scenario():
        stream = streams.event_stream(await DesignSession.objects.aget(pk=session.pk), 1)
        assert (await stream.__anext__()).startswith("retry:")
        # Three events are written while the messages of the first two go missing.
        from asgiref.sync import sync_to_async

        def write():
            monkeypatch.setattr(services, "get_channel", lambda: live.InProcessChannel())
            anna = services.session_join(session=session, name="Anna", organisation="GGD")
            services.item_add(session=session, participant=anna, title="We gaan 1")
            monkeypatch.setattr(services, "get_channel", lambda: channel)
            services.item_add(session=session, participant=anna, title="We gaan 2")

        await sync_to_async(write)()
        got = [json.loads((await asyncio.wait_for(stream.__anext__(), 5)).split("data: ")[1]) for _ in range(3)]
        channel.publish(session.topic, got[-1])  # a repeat is dropped
        services_event = {"id": got[-1]["id"] + 1, "kind": "probe", "data": {}}
        channel.publish(session.topic, services_event)
        nxt = json.loads((await asyncio.wait_for(stream.__anext__(), 5)).split("data: ")[1])
        await stream.aclose()
        await sync_to_async(connections.close_all)()  # the worker thread's connection
        return [m["id"] for m in got] + [nxt["id"]]

    assert run_async(scenario()) == [2, 3, 4, 5]
