"""The live channel: messages to every browser watching a topic (a design session).

With REDIS_URL set it is Redis pub/sub, so that a change posted to one server process
reaches browsers connected to another. Without it an in-process channel serves the
embedded default (a single server process).
"""

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from functools import cache

from django.conf import settings


class InProcessChannel:
    def __init__(self) -> None:
        # Each subscriber is a queue and the event loop it waits in; publish() may be
        # called from another thread (a sync view), hence call_soon_threadsafe.
        self._queues: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = defaultdict(set)

    def describe(self) -> str:
        return "in-process"

    def publish(self, topic: str, message: dict) -> int:
        payload = json.dumps(message)
        queues = list(self._queues.get(topic, ()))
        for loop, queue in queues:
            loop.call_soon_threadsafe(queue.put_nowait, payload)
        return len(queues)

    async def subscribe(self, topic: str) -> AsyncIterator[dict]:
        subscriber = (asyncio.get_running_loop(), asyncio.Queue())
        self._queues[topic].add(subscriber)
        try:
            while True:
                yield json.loads(await subscriber[1].get())
        finally:
            self._queues[topic].discard(subscriber)


class RedisChannel:
    def __init__(self, url: str) -> None:
        self.url = url

    def describe(self) -> str:
        return "Redis pub/sub"

    def publish(self, topic: str, message: dict) -> int:
        import redis

        client = _sync_client(self.url)
        try:
            return client.publish(f"live:{topic}", json.dumps(message))
        except redis.RedisError as exc:
            raise ConnectionError(f"Redis is unreachable at {self.url}: {exc}") from exc

    async def subscribe(self, topic: str) -> AsyncIterator[dict]:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.url)
        pubsub = client.pubsub()
        await pubsub.subscribe(f"live:{topic}")
        try:
            async for item in pubsub.listen():
                if item["type"] == "message":
                    yield json.loads(item["data"])
        finally:
            await pubsub.aclose()
            await client.aclose()


@cache
def _sync_client(url: str):
    import redis

    return redis.Redis.from_url(url)


@cache
def get_channel() -> InProcessChannel | RedisChannel:
    if settings.REDIS_URL:
        return RedisChannel(settings.REDIS_URL)
    return InProcessChannel()
