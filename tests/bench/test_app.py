"""The benchmark's app (bench/): its seeder and reference pages exist only under its own
settings (bench/settings.py, what bench/run.py uses); the portal's settings carry neither."""

import os

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from tests.factories import HolderProfileFactory
from tests.test_infrastructure import manage


def manage_with(*args, settings_module):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DJANGO_ENV_FILE="tests/test.env", DJANGO_SETTINGS_MODULE=settings_module)
    return manage(*args, env=env)


def test_the_portal_does_not_install_the_bench_app():
    assert not apps.is_installed("bench")
    with pytest.raises(CommandError, match="Unknown command"):
        call_command("seed_scale", "--help")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/__bench__/ok", "/__bench__/rows"])
def test_the_portal_serves_no_bench_page(client, path):
    assert client.get(path).status_code == 404


def test_bench_settings_install_the_seeder():
    """`make bench` runs `manage.py seed_scale` with these settings."""
    bench = manage_with("seed_scale", "--help", settings_module="bench.settings")
    assert bench.returncode == 0, bench.stderr
    assert "--holders" in bench.stdout
    portal = manage_with("seed_scale", "--help", settings_module="renewal_portal.settings")
    assert portal.returncode != 0
    assert "Unknown command: 'seed_scale'" in portal.stderr


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"


@pytest.mark.django_db
def test_the_bare_reference_page(client, bench_urls, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/__bench__/ok")
    assert response.status_code == 200
    assert response.text == "ok"


@pytest.mark.django_db
def test_the_rows_reference_page_reads_20_holders_in_one_query(
    client, bench_urls, django_assert_num_queries
):
    holders = HolderProfileFactory.create_batch(21)
    client.get("/__bench__/rows")  # the footer's contact details, cached from then on
    with django_assert_num_queries(1):
        response = client.get("/__bench__/rows")
    assert response.status_code == 200
    page = response.content.decode()
    assert all(h.member_number in page for h in holders[:20])
    assert holders[20].member_number not in page


@pytest.mark.django_db
def test_the_bench_urlconf_keeps_every_portal_page(client, bench_urls):
    assert client.get("/healthz").status_code == 200
    assert client.get("/renewal/").status_code == 302  # to the log-in page, as in the portal
