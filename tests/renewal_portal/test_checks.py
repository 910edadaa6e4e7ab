from renewal_portal.checks import cache_is_shared_by_every_process


def test_a_per_process_cache_is_flagged_for_deployment(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in cache_is_shared_by_every_process(None)] == ["renewal_portal.W001"]


def test_the_redis_cache_passes(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/1",
        }
    }
    assert cache_is_shared_by_every_process(None) == []
