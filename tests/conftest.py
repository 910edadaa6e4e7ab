import os

import pytest

from renewal_portal.reference_data import ensure_reference_data
from tests.factories import PASSWORD, HolderProfileFactory, reviewer_user, staff_user

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Roles and the CEC schedule come from data migrations; a transactional test
    flushes them, so put them back for every test that uses the database."""
    marker = request.node.get_closest_marker("django_db")
    fixtures = set(request.fixturenames)
    if marker is None and not fixtures & {"db", "transactional_db", "live_server"}:
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or fixtures & {
        "transactional_db",
        "live_server",
    }
    request.getfixturevalue("transactional_db" if transactional else "db")
    ensure_reference_data()


@pytest.fixture
def holder(db):
    return HolderProfileFactory()


@pytest.fixture
def other_holder(db):
    return HolderProfileFactory()


@pytest.fixture
def holder_client(client, holder):
    client.force_login(holder.user)
    return client


@pytest.fixture
def staff(db):
    return staff_user()


@pytest.fixture
def reviewer(db):
    return reviewer_user()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(autouse=True)
def _fast_test_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Real hashing costs ~0.3 s per password; tests check behaviour, not hash strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Browser tests: Playwright drives Debian's Chromium, never a downloaded one.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (see .ci/run).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Log-in rate limits live in the cache; start every test with none counted."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def private_media(tmp_path, monkeypatch):
    """Reporting-form uploads go to a temporary directory for one test."""
    from cecs.models import ReportingForm

    storage = ReportingForm._meta.get_field("upload").storage
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)
    monkeypatch.setattr(storage, "_location", str(tmp_path))
    yield tmp_path
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)
