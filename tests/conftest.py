import os

import pytest

from tests.factories import PASSWORD, HolderProfileFactory, reviewer_user, staff_user

CHROMIUM = "/usr/bin/chromium"


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
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


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
