"""`manage.py check --deploy` warnings for settings that are fine on a laptop but wrong in a
deployment. Each names the variable to set, so the operator knows the fix."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

STRIPE_KEYS = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")


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


@register(deploy=True)
def celery_has_a_broker(app_configs, **kwargs):
    """Without a broker, tasks run eagerly: mail, PDFs and reminders inside the web request
    that queued them, so a slow mail server slows the page and a failure fails it."""
    if not settings.CELERY_BROKER_URL:
        return [
            Warning(
                "No Celery broker is configured: background tasks run inside web requests.",
                hint=(
                    "Set CELERY_BROKER_URL to the Redis broker (redis://host:6379/0) and run "
                    "the Celery worker and beat (docker-compose.yml does)."
                ),
                id="renewal_portal.W002",
            )
        ]
    return []


@register(deploy=True)
def stripe_is_configured(app_configs, **kwargs):
    """Empty keys switch card payments off (and the webhook refuses every event): holders
    could not pay their renewal."""
    missing = [name for name in STRIPE_KEYS if not getattr(settings, name, "")]
    if missing:
        return [
            Warning(
                f"Stripe is not configured: {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} empty, so holders cannot pay by card.",
                hint=(
                    "Set the keys from the Stripe Dashboard (Developers → API keys and the "
                    "webhook endpoint's signing secret); README.md, 'Card payments'."
                ),
                id="renewal_portal.W003",
            )
        ]
    return []


@register(deploy=True)
def bench_pages_are_off(app_configs, **kwargs):
    """The /__bench__/ reference pages are for `make bench` only: they answer anonymous
    requests with a page of holders' names and cities. They live in the bench app, which only
    bench/settings.py installs; warn when a deployment runs with it, or mounts them anyway."""
    from django.apps import apps
    from django.urls import Resolver404, resolve

    reasons = []
    if apps.is_installed("bench"):
        reasons.append("the bench app is installed")
    try:
        resolve("/__bench__/rows")
    except Resolver404:
        pass
    else:
        reasons.append(f"{settings.ROOT_URLCONF} serves /__bench__/")
    if reasons:
        return [
            Warning(
                "The benchmark pages are switched on (" + " and ".join(reasons) + "): anyone "
                "can read holders' names under /__bench__/.",
                hint=(
                    "Run with DJANGO_SETTINGS_MODULE=renewal_portal.settings (the default); "
                    "bench.settings is for `make bench` only."
                ),
                id="renewal_portal.W004",
            )
        ]
    return []


@register(deploy=True)
def uploads_are_scanned(app_configs, **kwargs):
    """Holders upload scans that AASC staff open; without a daemon nothing checks them for
    malware (the other upload checks still run)."""
    if not settings.CLAMAV_SOCKET:
        return [
            Warning(
                "No ClamAV daemon is configured: uploads are not scanned for malware.",
                hint=(
                    "Set CLAMAV_SOCKET to clamd's Unix socket or tcp://host:3310 "
                    "(docker-compose.yml runs a clamav service)."
                ),
                id="renewal_portal.W005",
            )
        ]
    return []


@register()
def holder_mail_rate_is_readable(app_configs, **kwargs):
    """A mistyped HOLDER_MAIL_RATE would otherwise surface only when the first mail is sent."""
    from django.core.exceptions import ImproperlyConfigured

    from holders.services import mail_rate

    try:
        mail_rate()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="renewal_portal.E001")]
    return []
