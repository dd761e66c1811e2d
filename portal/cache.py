"""The shared cache's backend: Django's Redis cache, with one client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` object around the
(reused) connection pool for every cache operation; building one (its table of response
callbacks) cost as much as the round trip of a ``GET`` itself (about 170 of 340 µs measured on
the 2-core benchmark machine). A request reads its session from the cache and an API call
reads and writes its throttle counters, so every request paid for it once or more.
``redis.Redis`` is safe to share between threads (each command takes a connection from the
pool), so one client per pool is kept and reused; everything else is Django's.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` (same ``LOCATION`` and ``OPTIONS``)
    whose Redis client is built once per connection pool, not once per operation."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
