"""core.redis_cache: Django's Redis cache with one client per connection pool."""

import environ
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from core.redis_cache import RedisCache, with_reused_clients

REDIS = "redis://127.0.0.1:6379/15"


def test_one_client_serves_every_call_and_the_cache_works():
    cache = RedisCache(REDIS, {"KEY_PREFIX": "test-reused-client"})
    try:
        cache.set("answer", {"cecs": 8})
        assert cache.get("answer") == {"cecs": 8}
        assert cache.get_many(["answer", "missing"]) == {"answer": {"cecs": 8}}
        first = cache._cache.get_client("answer", write=True)
        assert cache._cache.get_client("other", write=True) is first
        assert cache.delete("answer") and cache.get("answer") is None
    finally:
        cache.clear()


def test_djangos_backend_builds_a_client_for_every_call():
    """What the subclass is for; if Django starts reusing clients, it can go."""
    cache = DjangoRedisCache(REDIS, {})
    assert cache._cache.get_client("a") is not cache._cache.get_client("a")


def test_a_redis_cache_url_selects_the_reusing_backend():
    redis = environ.Env.cache_url_config("rediscache://127.0.0.1:6379/1")
    assert with_reused_clients(redis)["BACKEND"] == "core.redis_cache.RedisCache"
    assert with_reused_clients(redis)["LOCATION"] == redis["LOCATION"]
    local = environ.Env.cache_url_config("locmemcache://")
    assert with_reused_clients(local) == local
