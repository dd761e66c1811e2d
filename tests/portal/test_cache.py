"""The shared cache's backend (``portal.cache.RedisCache``) on a real Redis."""

import uuid

import pytest
from django.conf import settings

from portal.cache import RedisCache


def _location() -> str:
    # The Redis of the broker, in a database of its own (the test suite's caches take 2 and up).
    base, _sep, _db = settings.CELERY_BROKER_URL.rpartition("/")
    return f"{base}/15"


@pytest.mark.redis
def test_the_shared_cache_builds_one_redis_client_per_connection_pool() -> None:
    cache = RedisCache(_location(), {})
    key = f"portal-test-{uuid.uuid4().hex[:8]}"
    try:
        assert cache.add(key, {"n": 1}, 30)
        assert cache.get(key) == {"n": 1}
        assert cache.incr_version(key) == 2 and cache.get(key, version=2) == {"n": 1}
        client = cache._cache.get_client(key)
        # One server: reads and writes share its pool, and every operation its one client.
        assert cache._cache.get_client(key, write=True) is client
        assert cache._cache.get_client(None) is client
        assert client.connection_pool is cache._cache._get_connection_pool(False)
    finally:
        cache.delete(key, version=2)
    assert cache.get(key, version=2) is None


@pytest.mark.redis
def test_each_server_of_the_shared_cache_keeps_its_own_client() -> None:
    # With a replica, writes go to the first server and reads to either: one client per pool.
    cache = RedisCache([_location(), _location().replace("/15", "/14")], {})
    clients = [cache._cache.get_client(write=True)] + [cache._cache.get_client() for _ in range(50)]
    assert len({id(client) for client in clients}) <= 2  # all kept alive: no id is reused
    for client in clients:
        index = next(i for i, pool in cache._cache._pools.items() if pool is client.connection_pool)
        assert cache._cache._clients[index] is client
