"""The suite runs on the real services production uses, and production settings are sound."""

import os
import secrets
import shutil
import subprocess
import sys
import tomllib
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
        if not key.startswith(("DJANGO_", "STRIPE_", "CACHE_", "CELERY_", "CLAMAV_"))
        and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_ENV_FILE="/dev/null",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="renew.aasc.example",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/renewal_portal",
        CACHE_URL="rediscache://127.0.0.1:6379/1",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        STRIPE_SECRET_KEY="sk_test_production_like",
        STRIPE_PUBLISHABLE_KEY="pk_test_production_like",
        STRIPE_WEBHOOK_SECRET="whsec_production_like",
        CLAMAV_SOCKET="tcp://127.0.0.1:3310",
    )
    env.update(overrides)
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


@pytest.mark.parametrize(
    ("variable", "value", "check_id"),
    [
        ("CELERY_BROKER_URL", "", "renewal_portal.W002"),
        ("STRIPE_WEBHOOK_SECRET", "", "renewal_portal.W003"),
        # The benchmark's settings (bench/settings.py): its pages answer anonymous requests.
        ("DJANGO_SETTINGS_MODULE", "bench.settings", "renewal_portal.W004"),
    ],
)
def test_check_deploy_catches_a_missing_broker_stripe_key_or_bench_pages(variable, value, check_id):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(**{variable: value}),
    )
    assert result.returncode != 0
    assert check_id in result.stderr + result.stdout


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


# --- A newcomer's `make test` installs what the suite needs -------------------------------

INSTALLER = ROOT / "scripts" / "install-system-packages"


def make_target(name):
    """The prerequisites and recipe lines of one Makefile target."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.startswith(f"{name}:") and ":=" not in line
    )
    prerequisites = lines[start].split(":", 1)[1].split()
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return prerequisites, recipe


def test_make_test_installs_the_system_packages_before_anything_else():
    prerequisites, _ = make_target("test")
    assert prerequisites[0] == "system-packages"
    _, recipe = make_target("system-packages")
    assert recipe == ["bash scripts/install-system-packages"]
    assert "bash scripts/install-system-packages" in (ROOT / ".ci" / "run").read_text()


def test_the_installer_names_every_system_package_the_suite_uses():
    listed = INSTALLER.read_text()
    from tests.conftest import CHROMIUM

    assert CHROMIUM == "/usr/bin/chromium"
    for package in ("chromium", "poppler-utils", "libharfbuzz-subset0", "clamav-daemon"):
        assert f"\n  {package} " in listed, package


def fake_tools(tmp_path, *, installed, uid):
    """A PATH where dpkg-query answers as if only `installed` were present, `id -u`
    prints `uid`, sudo refuses and apt-get records that it was called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "dpkg-query": (
            'for last; do :; done; case " ' + " ".join(installed) + ' " in '
            '*" $last "*) echo "install ok installed";; *) exit 1;; esac'
        ),
        "id": f"echo {uid}",
        "apt-get": f'echo "apt-get $*" >> {tmp_path}/calls',
        "sudo": "exit 1",  # a user who may not use sudo without a password
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin"}


def run_installer(env):
    return subprocess.run(
        ["bash", str(INSTALLER)], env=env, capture_output=True, text=True, timeout=60
    )


def test_the_installer_skips_packages_that_are_present(tmp_path):
    everything = ["chromium", "libharfbuzz-subset0", "poppler-utils", "fonts-dejavu-core"]
    env = fake_tools(tmp_path, installed=[*everything, "clamav-daemon"], uid=0)
    result = run_installer(env)
    assert result.returncode == 0, result.stderr
    assert "all 5 present" in result.stdout
    assert not (tmp_path / "calls").exists()


def test_the_installer_installs_only_what_is_missing(tmp_path):
    env = fake_tools(tmp_path, installed=["chromium", "fonts-dejavu-core"], uid=0)
    result = run_installer(env)
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls").read_text()
    assert "install -y -qq libharfbuzz-subset0 poppler-utils clamav-daemon" in calls
    assert "chromium" not in calls


def test_the_installer_says_what_to_run_without_root(tmp_path):
    env = fake_tools(tmp_path, installed=[], uid=1000)
    result = run_installer(env)
    assert result.returncode == 1
    assert "needs root" in result.stderr
    assert "sudo apt-get install -y chromium" in result.stderr
    assert not (tmp_path / "calls").exists()


# --- The apps' layers (import-linter; contracts in pyproject.toml [tool.importlinter]) -------

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root):
    """lint-imports as `make test` runs it, from `root`: it reads root/pyproject.toml and
    finds the apps' packages in `root` (the first entry on its path)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_app_imports_only_the_layers_below_it():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "imports", "refusal"),
    [
        ("holders._wrong_way_probe", "renewal_portal.dashboard", "holders is not allowed"),
        ("credentials._wrong_way_probe", "payments.services", "credentials is not allowed"),
        ("cecs._wrong_way_probe", "payments.models", "cecs is not allowed to import payments"),
        ("core._wrong_way_probe", "holders.selectors", "core is not allowed to import holders"),
        ("cecs.ledger._wrong_way_probe", "cecs.submissions.services", "cecs.ledger is not"),
        ("cecs.classes._wrong_way_probe", "cecs.reporting.services", "cecs.classes is not"),
        ("renewal_portal._wrong_way_probe", "bench.views", "renewal_portal is not allowed"),
        # Appended to the real module: the reminders would import their tasks back (a cycle).
        ("renewal_portal.reminders", "renewal_portal.tasks", "reminders is not allowed"),
    ],
)
def test_an_import_against_the_layers_breaks_the_contracts(tmp_path, module, imports, refusal):
    """A copy of the apps with one wrong-way import (the real tree is left alone while other
    tests run): lint-imports fails and names the import."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for package in config["root_packages"]:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    with (tmp_path / f"{module.replace('.', '/')}.py").open("a") as source:
        source.write(f"\nimport {imports}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert refusal in result.stdout
    assert f"{module} -> {imports}" in result.stdout


def test_every_scheduled_task_names_a_registered_task(settings):
    from renewal_portal.celery import app

    app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them
    for entry, schedule in settings.CELERY_BEAT_SCHEDULE.items():
        assert schedule["task"] in app.tasks, f"{entry}: no task {schedule['task']!r}"
