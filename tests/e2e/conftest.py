"""Shared fixtures for the browser tests (Playwright + pytest-django's live_server).

Browser tests use `pytest.mark.django_db(transaction=True)`: the live server answers
from its own thread and database connection, so it must see committed rows. The
flush at the end of each such test also removes the data migrations' rows; the
autouse `_reference_data` fixture in tests/conftest.py puts them back.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from credentials.demo import seed_demo_renewals
from credentials.models import RenewalInvoice
from holders.demo import DEMO_PASSWORD, seed_demo_accounts
from holders.models import HolderProfile

HOLDER_EMAIL = "holder@demo.test"
REVIEWER_EMAIL = "reviewer@demo.test"
STAFF_EMAIL = "staff@demo.test"

# A morning in the 2027 renewal season (invoices went out on November 1, 2026; due
# January 1, 2027): the same calendar day in Colorado and in UTC.
RENEWAL_SEASON_DAY = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("America/Denver"))

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


@pytest.fixture
def renewal_season():
    """Run the test (and the live server thread) on RENEWAL_SEASON_DAY, clock ticking.

    The demo's cycle, statuses and dates follow today's date; pinning it keeps the
    expected "2027 renewal", "Due for renewal" and "$220.00" true in any month.
    """
    with time_machine.travel(RENEWAL_SEASON_DAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def demo_cycle(renewal_season, demo_accounts):
    """`make run`'s renewal demo: the 2027 cycle, the demo holder's CAM and NALP
    credentials (expiring December 31, 2026) and their invoice."""
    cycle, _ = seed_demo_renewals()
    return cycle


@pytest.fixture
def demo_invoice(demo_cycle, demo_holder):
    return RenewalInvoice.objects.get(holder=demo_holder, cycle=demo_cycle)


@pytest.fixture
def paid_invoice(demo_invoice):
    """Mark the demo holder's invoice paid directly (the payment journey has its own tests)."""
    demo_invoice.status = RenewalInvoice.Status.PAID
    demo_invoice.paid_at = timezone.now()
    demo_invoice.save(update_fields=["status", "paid_at"])
    return demo_invoice


def signed_in_page(new_context, live_server, email):
    """A second browser context with `email` signed in through the real form."""
    page = new_context().new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("form").filter(has=page.locator('input[name="password"]'))
    form.locator('input[name="login"]').fill(email)
    form.locator('input[name="password"]').fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    return page


@pytest.fixture
def reviewer_page(new_context, live_server, renewal_season, demo_accounts):
    """The NAAEI reviewer, signed in, on the review queue (where reviewers land)."""
    page = signed_in_page(new_context, live_server, REVIEWER_EMAIL)
    expect(page).to_have_url(f"{live_server.url}{reverse('cecs:review_queue')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("CEC submissions to review")
    return page


@pytest.fixture
def staff_page(new_context, live_server, renewal_season, demo_accounts, private_media):
    """AASC staff, signed in, on the admin's index."""
    page = signed_in_page(new_context, live_server, STAFF_EMAIL)
    expect(page).to_have_url(f"{live_server.url}{reverse('admin:index')}")
    return page


def open_account_menu(page):
    """Open the top navigation's account menu (Password, Sign-in email, Two-factor
    authentication, Sign out) and return it; on a narrow screen open the collapsed menu first."""
    nav = page.get_by_role("navigation", name="Main")
    toggler = nav.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
    account = nav.get_by_role("button", name="Account", exact=True)
    if account.get_attribute("aria-expanded") != "true":
        account.click()
    menu = nav.locator(".dropdown-menu")
    expect(menu).to_be_visible()
    return menu
