"""The suite runs on the real services production uses, and production settings are sound."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from renewal_portal.celery import ping

ROOT = Path(__file__).resolve().parent.parent


def test_tests_run_on_postgresql():
    assert connection.vendor == "postgresql", "run the suite with `make test` (PostgreSQL)"


def test_redis_answers():
    assert redis.Redis.from_url(os.environ["REDIS_URL"]).ping()


@pytest.fixture
def celery_on_redis():
    """An app configured like the project's (same settings) but on the real Redis broker.

    The project app itself stays eager for the rest of the suite; its broker
    connection pool is created once and cannot be re-pointed safely mid-run."""
    url = os.environ["REDIS_URL"]
    app = Celery("renewal_portal_broker_test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    app.task(name="renewal_portal.ping")(ping.run)
    yield app
    app.close()


def test_celery_round_trip_through_a_real_worker_on_redis(celery_on_redis):
    assert celery_on_redis.conf.task_serializer == "json"
    assert celery_on_redis.conf.task_acks_late is True
    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False):
        result = celery_on_redis.send_task("renewal_portal.ping")
        assert result.get(timeout=20) == "pong"


def test_health_view_checks_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"


def production_env(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STRIPE_", "CACHE_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_ENV_FILE="/dev/null",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="renew.aasc.example",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/renewal_portal",
        CACHE_URL="rediscache://127.0.0.1:6379/1",
        **overrides,
    )
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_catches_an_insecure_production_setting():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(DJANGO_SECURE_HSTS_SECONDS="0"),
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_seed_demo_refuses_without_debug():
    result = manage("seed_demo", env=production_env())
    assert result.returncode != 0
    assert "only runs with DJANGO_DEBUG=true" in result.stderr


def test_embedded_defaults_need_no_environment(tmp_path):
    """`make run`: SQLite under var/, eager Celery, mail to files; nothing else to set."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(DJANGO_DEBUG="true", DJANGO_ENV_FILE="/dev/null")
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND,"
        " s.EMAIL_FILE_PATH, s.TIME_ZONE)"
    )
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    engine, eager, backend, mail_path, zone = result.stdout.strip().splitlines()[-1].split()
    assert engine == "django.db.backends.sqlite3"
    assert eager == "True"
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert mail_path.endswith("var/mail")
    assert zone == "America/Denver"
    assert settings.TIME_ZONE == "America/Denver"
