from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def cache_is_shared_by_every_process(app_configs, **kwargs):
    """Log-in limits, sessions and the cached current cycle must be seen alike by every
    gunicorn worker and Celery process; a per-process memory cache is not."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The default cache lives inside each process.",
                hint="Set CACHE_URL to the Redis cache (docker-compose.yml does).",
                id="renewal_portal.W001",
            )
        ]
    return []
