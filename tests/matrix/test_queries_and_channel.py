"""Boards cost a fixed number of queries; the Redis channel holds one subscription per process."""

import asyncio

import pytest
from django.urls import reverse

from gebiedsplan import live
from matrix import services
from tests.matrix.helpers import run_async


def _fill(session, participants, count):
    for n in range(count):
        item = services.item_add(session=session, participant=participants[n % len(participants)], title=f"We gaan {n}")
        if n % 2:
            services.item_move(session=session, item=item, impact="high", effort="much")


@pytest.mark.django_db
def test_the_boards_cost_the_same_queries_for_3_or_30_ideas(client, people, session, join):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    phone, anna = join(session)
    bert = services.session_join(session=session, name="Bert", organisation="MEE")
    client.force_login(people.facilitator)
    counts = []
    for total in (3, 30):
        _fill(session, [anna, bert], total - session.items.count())
        with CaptureQueriesContext(connection) as presenter:
            assert client.get(reverse("matrix:presenter", args=[session.code])).status_code == 200
        with CaptureQueriesContext(connection) as participant:
            assert phone.get(reverse("matrix:participant", args=[session.code])).status_code == 200
        counts.append((len(presenter), len(participant)))
    assert counts[0] == counts[1]
    assert counts[0][0] <= 12 and counts[0][1] <= 8


@pytest.mark.redis
def test_many_listeners_share_one_redis_subscription():
    channel = live.RedisChannel(live.settings.REDIS_URL)

    async def scenario():
        subscriptions = [channel.open(f"t{n % 4}") for n in range(40)]
        for subscription in subscriptions:
            await subscription.ready()
        assert channel.connections() == 1
        channel.publish("t1", {"id": 1})
        got = await asyncio.wait_for(
            asyncio.gather(*(s.get() for n, s in enumerate(subscriptions) if n % 4 == 1)), 5
        )
        for subscription in subscriptions:
            subscription.close()
        for hub in channel._hubs.values():
            hub.task.cancel()
        return got

    assert run_async(scenario()) == [{"id": 1}] * 10
