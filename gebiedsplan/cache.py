"""A Redis cache that fails open: when Redis is unreachable, the platform works without it.

Everything we keep in the cache (rendered plan articles, the session copy of cached_db,
import progress) is an optimisation with the database behind it. So a cache error is a
miss on read and a no-op on write, logged, instead of a 500 on every page. After a
failure Redis is left alone for a few seconds (`RETRY_AFTER`), so that a page does not
pay a connection attempt for every cache call while Redis is down.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, but one redis-py client per connection pool instead of
    a new one for every cache call (each copies redis-py's table of some 170 response
    callbacks: a session read and a save's PDF scheduling paid it on every request).
    A redis-py client is safe to share: it takes a connection from the pool per command."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._down_until = 0.0
        import redis

        self._errors = (redis.RedisError, ConnectionError, TimeoutError, OSError)

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _guard(self, operation: str, call, fallback):
        if self.is_down:
            return fallback
        try:
            return call()
        except self._errors as exc:
            self._down_until = time.monotonic() + RETRY_AFTER
            logger.warning(
                "Cache unavailable (%s failed: %s); continuing without it", operation, exc
            )
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            "add", lambda: super(FailOpenRedisCache, self).add(key, value, timeout, version), False
        )

    def get(self, key, default=None, version=None):
        return self._guard(
            "get", lambda: super(FailOpenRedisCache, self).get(key, default, version), default
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            "set", lambda: super(FailOpenRedisCache, self).set(key, value, timeout, version), None
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            "touch", lambda: super(FailOpenRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key, version=None):
        return self._guard(
            "delete", lambda: super(FailOpenRedisCache, self).delete(key, version), False
        )

    def get_many(self, keys, version=None):
        return self._guard(
            "get_many", lambda: super(FailOpenRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key, version=None):
        return self._guard(
            "has_key", lambda: super(FailOpenRedisCache, self).has_key(key, version), False
        )

    def incr(self, key, delta=1, version=None):
        # incr of a missing key raises ValueError in every backend; without Redis every key
        # is missing.
        result = self._guard(
            "incr", lambda: super(FailOpenRedisCache, self).incr(key, delta, version), None
        )
        if result is None:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            "set_many",
            lambda: super(FailOpenRedisCache, self).set_many(data, timeout, version),
            list(data),
        )

    def delete_many(self, keys, version=None):
        return self._guard(
            "delete_many", lambda: super(FailOpenRedisCache, self).delete_many(keys, version), None
        )

    def clear(self):
        return self._guard("clear", lambda: super(FailOpenRedisCache, self).clear(), False)
