"""Shared fixtures for the browser tests (Playwright + pytest-django's live_server).

Browser tests use `pytest.mark.django_db(transaction=True)`: the live server answers
from its own thread and database connection, so it must see committed rows. The
flush at the end of each such test also removes the data migrations' rows; the
autouse `_reference_data` fixture in tests/conftest.py puts them back.
"""

import pytest

from holders.demo import DEMO_PASSWORD, seed_demo_accounts
from holders.models import HolderProfile

HOLDER_EMAIL = "holder@demo.test"

# Playwright's default timeouts are 30 s; a local live server answers in well under one.
TIMEOUT_MS = 10_000


@pytest.fixture
def page(page):
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


@pytest.fixture
def demo_accounts(transactional_db):
    """The `make run` demo accounts, created in this test's database."""
    seed_demo_accounts()


@pytest.fixture
def demo_holder(demo_accounts):
    return HolderProfile.objects.get(email=HOLDER_EMAIL)


@pytest.fixture
def log_in(page, live_server):
    """Sign in through the real allauth form at /accounts/login/."""

    def _log_in(email, password=DEMO_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        form = page.locator("form").filter(has=page.locator('input[name="password"]'))
        form.locator('input[name="login"]').fill(email)
        form.locator('input[name="password"]').fill(password)
        with page.expect_navigation():
            form.locator('button[type="submit"]').click()
        return page

    return _log_in
