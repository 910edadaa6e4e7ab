"""Finding my record: someone whose sign-up address differs from the one AASC imported
links the imported record (and its credentials) to their account, by the link mailed to
the record's address, or, without access to it, by AASC staff approving their request."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from credentials.models import CredentialType, HeldCredential
from holders.demo import DEMO_PASSWORD
from holders.models import HolderProfile, RecordLinkRequest, User
from holders.roles import HOLDERS
from holders.services import holder_claim_or_create

from .a11y import PHONE_VIEWPORT, assert_no_blocking_axe_violations, assert_no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECORD_EMAIL = "pat.rivera@old-employer.example"
NEW_EMAIL = "pat.rivera@home.example"
NO_CREDENTIALS = "No credentials are on file for you."
SENT_BY_MAIL = "If these details match a record, we have emailed its address a link."
SENT_TO_STAFF = "If these details match a record, AASC staff will check your request"


@pytest.fixture
def imported_record(demo_cycle):
    """Imported from NAAEI's list under Pat's old work address: a CAM due in the 2027
    renewal, no account yet."""
    record = HolderProfile.objects.create(
        email=RECORD_EMAIL,
        first_name="Pat",
        last_name="Rivera",
        zip_code="80903",
        city="Colorado Springs",
        member_number="M0000777",
    )
    HeldCredential.objects.create(
        holder=record,
        credential_type=CredentialType.objects.get(code="CAM"),
        number="CAM-777001",
        earned_on="2020-05-01",
        expires_on="2026-12-31",
        status=HeldCredential.Status.DUE,
    )
    return record


def link_in(message):
    return re.search(r"https?://\S+?(/\S+)", message.body).group(1)


def sign_up(page, live_server, mailoutbox):
    """The real sign-up form with an address AASC does not have, then its verification."""
    page.goto(f"{live_server.url}/accounts/signup/")
    form = page.locator("form").filter(has=page.locator('input[name="password1"]'))
    form.locator('input[name="email"]').fill(NEW_EMAIL)
    form.locator('input[name="first_name"]').fill("Pat")
    form.locator('input[name="last_name"]').fill("Rivera")
    form.locator('input[name="password1"]').fill(DEMO_PASSWORD)
    form.locator('input[name="password2"]').fill(DEMO_PASSWORD)
    form.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    (verification,) = [m for m in mailoutbox if m.to == [NEW_EMAIL]]
    page.goto(f"{live_server.url}{link_in(verification)}")
    page.get_by_role("button", name="Confirm").click()
    mailoutbox.clear()


def find_my_record(page, *, lost_access=False, on_phone=False):
    expect(page.get_by_text(NO_CREDENTIALS)).to_be_visible()
    page.get_by_role("link", name="find my record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find my record")
    assert_no_blocking_axe_violations(page)
    if on_phone:
        assert_no_horizontal_scroll(page)
    page.get_by_label("NAAEI member number or credential number").fill("cam-777001")
    page.get_by_label("Last name").fill(" rivera ")
    page.get_by_label("ZIP code").fill("80903-4410")
    if lost_access:
        page.get_by_label("I no longer have access to the email address AASC has for me").check()
    page.get_by_role("button", name="Find my record").click()


def test_a_person_signed_up_with_another_address_links_the_record_by_its_mail(
    page, live_server, imported_record, mailoutbox
):
    sign_up(page, live_server, mailoutbox)
    page.set_viewport_size(PHONE_VIEWPORT)  # on a phone: nothing scrolls sideways
    page.goto(f"{live_server.url}/")
    find_my_record(page, on_phone=True)

    expect(page.get_by_role("status").filter(has_text=SENT_BY_MAIL)).to_be_visible()
    assert_no_blocking_axe_violations(page)
    # Sent from the live server's thread (on commit, Celery eager): to the record's address.
    (message,) = mailoutbox
    assert message.to == [RECORD_EMAIL]

    page.goto(f"{live_server.url}{link_in(message)}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Link your record")
    expect(page.get_by_text("Link the record of Pat Rivera")).to_be_visible()
    assert_no_blocking_axe_violations(page)
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="Link this record").click()

    expect(
        page.get_by_text("The record of Pat Rivera is now linked to your account.")
    ).to_be_visible()
    expect(page.get_by_text("No. CAM-777001", exact=False)).to_be_visible()
    expect(page.get_by_text(NO_CREDENTIALS)).to_have_count(0)
    account = User.objects.get(email=NEW_EMAIL)
    assert HolderProfile.objects.get(user=account).pk == imported_record.pk
    assert HolderProfile.objects.filter(email=NEW_EMAIL).count() == 0  # empty one retired


def test_without_access_to_the_records_address_staff_approve_the_request(
    page, live_server, log_in, imported_record, staff_page, mailoutbox
):
    account = User.objects.create_user(email=NEW_EMAIL, password=DEMO_PASSWORD)
    EmailAddress.objects.create(user=account, email=NEW_EMAIL, verified=True, primary=True)
    account.groups.add(Group.objects.get(name=HOLDERS))
    holder_claim_or_create(user=account, first_name="Pat", last_name="Rivera")
    log_in(NEW_EMAIL)
    find_my_record(page, lost_access=True)
    expect(page.get_by_role("status").filter(has_text=SENT_TO_STAFF)).to_be_visible()
    assert mailoutbox == []
    assert RecordLinkRequest.objects.get().status == RecordLinkRequest.Status.PENDING

    staff = staff_page
    staff.locator("#content-main").get_by_role("link", name="Record-link requests").click()
    staff.get_by_role("link", name=re.compile("asks for Pat Rivera")).click()
    expect(staff.locator("#content-main")).to_contain_text(RECORD_EMAIL)
    staff.get_by_role("link", name="Approve and link").click()
    assert_no_blocking_axe_violations(staff)
    staff.get_by_label("I checked that this person holds the record").check()
    staff.get_by_role("button", name="Approve and link").click()
    expect(staff.locator("ul.messagelist li.success")).to_contain_text("Approved:")

    assert [m.to for m in mailoutbox] == [[NEW_EMAIL]]
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("No. CAM-777001", exact=False)).to_be_visible()
    imported_record.refresh_from_db()
    assert imported_record.user == account
    assert imported_record.email == NEW_EMAIL  # they cannot read the old one
