"""The live channel: messages to every browser watching a topic (a design session).

With REDIS_URL set it is Redis pub/sub, so that a change posted to one server process
reaches browsers connected to another. Without it an in-process channel serves the
embedded default (a single server process).
"""

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from functools import cache

from django.conf import settings


class Subscription:
    """One listener's queue of messages of one topic."""

    def __init__(self, queue: asyncio.Queue, close, ready: asyncio.Event | None = None) -> None:
        self._queue = queue
        self._close = close
        self._ready = ready

    async def ready(self) -> None:
        """Wait until messages published from now on will arrive."""
        if self._ready is not None:
            await self._ready.wait()

    async def get(self) -> dict:
        return json.loads(await self._queue.get())

    def close(self) -> None:
        self._close()


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

    def open(self, topic: str) -> "Subscription":
        """A subscription registered now (before the caller reads any stored state)."""
        subscriber = (asyncio.get_running_loop(), asyncio.Queue())
        self._queues[topic].add(subscriber)
        return Subscription(subscriber[1], lambda: self._queues[topic].discard(subscriber))

    async def subscribe(self, topic: str) -> AsyncIterator[dict]:
        subscriber = (asyncio.get_running_loop(), asyncio.Queue())
        self._queues[topic].add(subscriber)
        try:
            while True:
                yield json.loads(await subscriber[1].get())
        finally:
            self._queues[topic].discard(subscriber)


class RedisChannel:
    """Redis pub/sub with ONE subscription per server process (per event loop): a hub
    pattern-subscribes to every live topic and hands each message to the local queues of
    that topic. A thousand open tabs cost a thousand queues, not a thousand connections."""

    def __init__(self, url: str) -> None:
        from urllib.parse import urlparse

        self.url = url
        # Pub/sub channels are shared by every database of a Redis server: the database
        # number of the URL keeps the live channels of separate installations apart.
        db = (urlparse(url).path or "/0").strip("/") or "0"
        self.prefix = f"live:{db}:"
        self._hubs: dict[asyncio.AbstractEventLoop, _RedisHub] = {}

    def describe(self) -> str:
        return "Redis pub/sub"

    def publish(self, topic: str, message: dict) -> int:
        import redis

        client = _sync_client(self.url)
        try:
            return client.publish(self.prefix + topic, json.dumps(message))
        except redis.RedisError as exc:
            raise ConnectionError(f"Redis is unreachable at {self.url}: {exc}") from exc

    def _hub(self) -> "_RedisHub":
        loop = asyncio.get_running_loop()
        hub = self._hubs.get(loop)
        if hub is None:
            for other in [lp for lp in self._hubs if lp.is_closed()]:
                del self._hubs[other]
            hub = self._hubs[loop] = _RedisHub(self.url, self.prefix)
        return hub

    def connections(self) -> int:
        """Redis subscriptions this process holds (for tests and the benchmark)."""
        return sum(1 for hub in self._hubs.values() if hub.task is not None and not hub.task.done())

    def open(self, topic: str) -> "Subscription":
        """A subscription registered now (before the caller reads any stored state)."""
        hub = self._hub()
        queue: asyncio.Queue = asyncio.Queue()
        hub.add(topic, queue)
        return Subscription(queue, lambda: hub.discard(topic, queue), ready=hub.ready)

    async def subscribe(self, topic: str) -> AsyncIterator[dict]:
        hub = self._hub()
        queue: asyncio.Queue = asyncio.Queue()
        hub.add(topic, queue)
        try:
            await hub.ready.wait()
            while True:
                yield json.loads(await queue.get())
        finally:
            hub.discard(topic, queue)


class _RedisHub:
    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.queues: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self.ready = asyncio.Event()
        self.task: asyncio.Task | None = None

    def add(self, topic: str, queue: asyncio.Queue) -> None:
        self.queues[topic].add(queue)
        if self.task is None or self.task.done():
            self.ready.clear()
            self.task = asyncio.get_running_loop().create_task(self._run())

    def discard(self, topic: str, queue: asyncio.Queue) -> None:
        self.queues[topic].discard(queue)
        if not self.queues[topic]:
            del self.queues[topic]

    async def _run(self) -> None:
        import redis.asyncio as aioredis

        delay = 0.1
        while True:
            client = aioredis.Redis.from_url(self.url)
            pubsub = client.pubsub()
            try:
                await pubsub.psubscribe(self.prefix + "*")
                self.ready.set()
                delay = 0.1
                async for item in pubsub.listen():
                    if item["type"] != "pmessage":
                        continue
                    topic = item["channel"].decode()[len(self.prefix):]
                    data = item["data"].decode() if isinstance(item["data"], bytes) else item["data"]
                    for queue in list(self.queues.get(topic, ())):
                        queue.put_nowait(data)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - reconnect; streams refill gaps from the log
                self.ready.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5)
            finally:
                with contextlib.suppress(Exception):
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
