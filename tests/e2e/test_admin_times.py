"""Staff outside Denver see the admin's times in AASC's zone, named, without Django's "You are
N hours ahead of server time" notice on every date field."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, STAFF_EMAIL

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_berlin_browser_gets_no_server_time_notice(
    new_context, live_server, renewal_season, demo_accounts
):
    page = new_context(timezone_id="Europe/Berlin").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("form").filter(has=page.locator('input[name="password"]'))
    form.locator('input[name="login"]').fill(STAFF_EMAIL)
    form.locator('input[name="password"]').fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert page.evaluate("new Date().getTimezoneOffset()") != 420  # not Denver's (MST)
    page.goto(f"{live_server.url}{reverse('admin:cecs_aascclass_add')}")
    expect(page.locator("#content-main")).to_contain_text(
        "Mountain Time (Denver), AASC's time zone."
    )
    expect(page.locator("#content-main")).not_to_contain_text("server time")
