import pytest
from django.core.checks import run_checks

from renewal_portal.checks import (
    STRIPE_KEYS,
    bench_pages_are_off,
    cache_is_shared_by_every_process,
    celery_has_a_broker,
    holder_mail_rate_is_readable,
    stripe_is_configured,
    uploads_are_scanned,
)


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


def test_no_celery_broker_is_flagged_for_deployment(settings):
    settings.CELERY_BROKER_URL = ""
    warnings = celery_has_a_broker(None)
    assert [w.id for w in warnings] == ["renewal_portal.W002"]
    assert "inside web requests" in warnings[0].msg
    assert "CELERY_BROKER_URL" in warnings[0].hint


def test_a_celery_broker_passes(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert celery_has_a_broker(None) == []


@pytest.mark.parametrize("empty", STRIPE_KEYS)
def test_each_empty_stripe_key_is_flagged_for_deployment(settings, empty):
    for name in STRIPE_KEYS:
        setattr(settings, name, f"set-{name.lower()}")
    setattr(settings, empty, "")
    warnings = stripe_is_configured(None)
    assert [w.id for w in warnings] == ["renewal_portal.W003"]
    assert f"{empty} is empty" in warnings[0].msg
    assert "Stripe Dashboard" in warnings[0].hint


def test_all_stripe_keys_empty_are_named_in_one_warning(settings):
    for name in STRIPE_KEYS:
        setattr(settings, name, "")
    (warning,) = stripe_is_configured(None)
    assert all(name in warning.msg for name in STRIPE_KEYS)
    assert "are empty" in warning.msg


def test_stripe_keys_set_pass(settings):
    for name in STRIPE_KEYS:
        setattr(settings, name, f"set-{name.lower()}")
    assert stripe_is_configured(None) == []


def test_the_portal_settings_serve_no_bench_pages():
    assert bench_pages_are_off(None) == []


def test_the_bench_urlconf_is_flagged_for_deployment(settings):
    settings.ROOT_URLCONF = "bench.urls"
    (warning,) = bench_pages_are_off(None)
    assert warning.id == "renewal_portal.W004"
    assert "bench.urls serves /__bench__/" in warning.msg
    assert "DJANGO_SETTINGS_MODULE=renewal_portal.settings" in warning.hint


def test_the_bench_app_installed_is_flagged_for_deployment(settings):
    """Even without its URLconf: the app carries the seeder, which no deployment needs."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench"]
    (warning,) = bench_pages_are_off(None)
    assert warning.id == "renewal_portal.W004"
    assert "the bench app is installed" in warning.msg


def test_check_deploy_runs_the_portal_checks(settings):
    """Registered with deploy=True: `check --deploy` reports them, a plain `check` does not."""
    settings.CELERY_BROKER_URL = ""
    settings.ROOT_URLCONF = "bench.urls"
    deploy_ids = {message.id for message in run_checks(include_deployment_checks=True)}
    plain_ids = {message.id for message in run_checks(include_deployment_checks=False)}
    assert {"renewal_portal.W002", "renewal_portal.W004"} <= deploy_ids
    assert not {"renewal_portal.W002", "renewal_portal.W004"} & plain_ids


def test_uploads_without_a_virus_scanner_are_flagged_for_deployment(settings):
    settings.CLAMAV_SOCKET = ""
    (warning,) = uploads_are_scanned(None)
    assert warning.id == "renewal_portal.W005"
    assert "CLAMAV_SOCKET" in warning.hint


@pytest.mark.parametrize("address", ["/run/clamav/clamd.ctl", "tcp://clamav:3310"])
def test_a_configured_scanner_passes(settings, address):
    settings.CLAMAV_SOCKET = address
    assert uploads_are_scanned(None) == []


def test_a_mistyped_holder_mail_rate_stops_the_start(settings):
    settings.HOLDER_MAIL_RATE = "ten an hour"
    (error,) = holder_mail_rate_is_readable(None)
    assert error.id == "renewal_portal.E001"
    assert "10/h" in error.msg
    assert "renewal_portal.E001" in [message.id for message in run_checks()]


def test_a_readable_holder_mail_rate_passes(settings):
    settings.HOLDER_MAIL_RATE = "20/6h"
    assert holder_mail_rate_is_readable(None) == []
