"""AASC staff add a CEC entry for a holder in the admin (from another provider's roster),
with a reason, and the holder sees it count; then withdraw it with a reason."""

import pytest
from playwright.sync_api import expect

from cecs.models import CecEntry

from .a11y import assert_no_blocking_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Pikes Peak REALTORS: Fair Housing Update"
REASON = "On the provider's roster of September 9"


def add_entry(page, live_server):
    page.get_by_role("link", name="CEC ledger").first.click()
    page.get_by_role("link", name="Add CEC entry").click()
    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("Holder")
    page.locator(".select2-results__option", has_text="Dana Holder").click()
    page.get_by_label("Kind of activity").select_option(label="Another provider's course")
    page.get_by_label("Course, class or activity").fill(TITLE)
    page.get_by_label("Provider").fill("Pikes Peak Association of REALTORS")
    page.get_by_label("Date earned").fill("2026-09-09")
    page.get_by_label("CECs").fill("2")
    page.get_by_label("Why AASC adds it").fill(REASON)
    assert_no_blocking_axe_violations(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")


def test_staff_add_and_withdraw_an_entry_the_holder_sees(
    page, live_server, log_in, staff_page, demo_cycle, mailoutbox
):
    add_entry(staff_page, live_server)
    entry = CecEntry.objects.get(title=TITLE)
    assert (entry.status, entry.correction_note) == (CecEntry.Status.COUNTED, REASON)

    log_in("holder@demo.test")
    page.goto(f"{live_server.url}/cecs/status/")
    expect(page.get_by_role("listitem").filter(has_text=TITLE)).to_contain_text("Other education")

    staff_page.get_by_role("link", name=TITLE).click()
    staff_page.get_by_label("Withdraw this entry").check()
    staff_page.get_by_label("Why (this correction or withdrawal)").fill("Entered twice")
    staff_page.get_by_role("button", name="Save", exact=True).click()
    expect(staff_page.locator(".messagelist")).to_contain_text("was changed successfully")
    entry.refresh_from_db()
    assert entry.status == CecEntry.Status.WITHDRAWN

    page.reload()
    withdrawn = page.get_by_role("listitem").filter(has_text=TITLE)
    expect(withdrawn).to_contain_text("Entered twice")
    expect(withdrawn).to_contain_text("not counted")
    subjects = [message.subject for message in mailoutbox]
    assert any("AASC added a CEC entry" in subject for subject in subjects), subjects
    assert any("AASC withdrew a CEC entry" in subject for subject in subjects), subjects
