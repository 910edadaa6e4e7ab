"""AASC staff start from the admin home's work queue: "Reporting forms waiting" leads to the
forms waiting, oldest first; staff check them and verify the batch with one signer."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from cecs.models import ReportingForm
from tests.factories import ReportingFormFactory

from .a11y import assert_no_blocking_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUBMITTED = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("America/Denver"))


def test_staff_verify_a_batch_of_forms_from_the_home_queue(staff_page, demo_holder):
    for days, title in ((0, "Expo: Leasing in a Soft Market"), (2, "Expo: Fair Housing Q&A")):
        ReportingFormFactory(
            holder=demo_holder, title=title, submitted_at=SUBMITTED + datetime.timedelta(days)
        )
    page = staff_page
    page.reload()
    queues = page.get_by_role("region", name="Waiting for you")
    row = queues.get_by_role("row").filter(has_text="Reporting forms waiting")
    expect(row).to_contain_text("2")
    expect(row).to_contain_text("Nov 2, 2026")
    assert_no_blocking_axe_violations(page)

    row.get_by_role("link", name="Reporting forms waiting").click()
    results = page.locator("#result_list tbody tr")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("Expo: Leasing in a Soft Market")  # oldest first
    page.locator("#action-toggle").check()
    page.get_by_label("Action:").select_option(label="Verify and sign the selected forms")
    page.get_by_role("button", name="Go").click()

    expect(page.get_by_role("table", name="The forms to verify")).to_contain_text(
        "Expo: Fair Housing Q&A"
    )
    assert_no_blocking_axe_violations(page)
    page.get_by_label("Signed for AASC by").fill("Pat Rivera")
    page.get_by_role("button", name="Verify and sign 2 forms").click()
    expect(page.locator(".messagelist")).to_contain_text("Verified and signed 2 forms")
    assert set(ReportingForm.objects.values_list("status", flat=True)) == {"verified"}
    page.goto(page.url.split("/admin/")[0] + "/admin/")
    expect(
        page.get_by_role("region", name="Waiting for you")
        .get_by_role("row")
        .filter(has_text="Reporting forms waiting")
    ).to_contain_text("Nothing waiting")
