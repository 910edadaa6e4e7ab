"""The "Find my record" pages and the link requests' admin: one answer whatever matched,
nothing stored on bad input or when throttled, the mailed link, staff decisions."""

import pytest
from django.core import mail
from django.urls import reverse

from holders.models import HolderProfile, RecordLinkRequest
from holders.record_claims import record_claim_token
from tests.factories import HeldCredentialFactory, HolderProfileFactory, reviewer_user

pytestmark = pytest.mark.django_db

CLAIM = reverse("holders:claim")
SENT = reverse("holders:claim_sent")
RECORD_EMAIL = "sam.imported@employer.example"


@pytest.fixture
def record(db):
    record = HolderProfileFactory(
        user=None, email=RECORD_EMAIL, last_name="Okafor", zip_code="81001", member_number="N4400"
    )
    HeldCredentialFactory(holder=record, number="CAPS-9001")
    return record


@pytest.fixture
def account(db):
    """Signed up with another address: an empty record of their own."""
    return HolderProfileFactory(member_number="", last_name="Okafor").user


@pytest.fixture
def signed_in(client, account):
    client.force_login(account)
    return client


def post(client, lost=False, ip="203.0.113.5", **overrides):
    data = {"number": "N4400", "last_name": "Okafor", "zip_code": "81001", **overrides}
    if lost:
        data["lost_email_access"] = "on"
    return client.post(CLAIM, data, REMOTE_ADDR=ip)


def test_the_dashboard_links_a_person_without_credentials_to_the_claim_page(signed_in):
    response = signed_in.get(reverse("dashboard"))
    assert "No credentials are on file for you." in response.text
    assert f'href="{CLAIM}"' in response.text


def test_the_claim_page_asks_for_number_last_name_and_zip(signed_in, account):
    response = signed_in.get(CLAIM)
    assert response.status_code == 200
    for label in ("NAAEI member number or credential number", "Last name", "ZIP code"):
        assert label in response.text
    assert "I no longer have access to the email address AASC has for me" in response.text
    assert account.email in response.text


def test_staff_have_no_claim_page(client, staff):
    client.force_login(staff)
    assert client.get(CLAIM).status_code == 404


def test_an_account_whose_record_holds_credentials_is_sent_back(client, record):
    holder = HolderProfileFactory()
    HeldCredentialFactory(holder=holder)
    client.force_login(holder.user)
    response = client.get(CLAIM, follow=True)
    assert response.redirect_chain[0][0] == reverse("home")
    assert "already in use (it has held credentials)" in response.text
    assert post(client).status_code == 302  # the same refusal: nothing looked up
    assert mail.outbox == []


@pytest.mark.parametrize("lost", [False, True])
def test_the_answer_is_the_same_whether_or_not_a_record_matched(
    signed_in, record, lost, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        matched = post(signed_in, lost=lost)
    with django_capture_on_commit_callbacks(execute=True):
        missed = post(signed_in, lost=lost, zip_code="81002")
    assert (matched.status_code, matched.url) == (missed.status_code, missed.url)
    assert matched.status_code == 302
    assert matched.url == (f"{SENT}?check=staff" if lost else SENT)
    page = signed_in.get(matched.url)
    assert page.status_code == 200
    if lost:
        assert "If these details match a record, AASC staff will check your request" in page.text
        assert RecordLinkRequest.objects.count() == 1  # only the match filed one
        assert mail.outbox == []
    else:
        assert "If these details match a record, we have emailed its address a link" in page.text
        assert [m.to for m in mail.outbox] == [[RECORD_EMAIL]]  # only the match mailed


@pytest.mark.parametrize(
    "bad",
    [
        {"zip_code": "8100"},
        {"zip_code": "81OO1"},
        {"number": ""},
        {"last_name": ""},
        {"number": "N" * 31},
    ],
)
def test_bad_input_is_marked_and_nothing_is_stored_or_sent(
    signed_in, record, bad, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(signed_in, lost=True, **bad)
    assert response.status_code == 200
    assert "Nothing was sent: please correct the fields marked below." in response.text
    assert "is-invalid" in response.text
    assert callbacks == []
    assert mail.outbox == []
    assert not RecordLinkRequest.objects.exists()


def test_attempts_are_throttled_per_account(signed_in, record, django_capture_on_commit_callbacks):
    for n in range(5):
        assert post(signed_in, zip_code="8100" + str(n), ip=f"203.0.113.{n}").status_code == 302
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        blocked = post(signed_in, ip="198.51.100.9")  # another address: the account counts
    assert blocked.status_code == 429
    assert "as many as we allow" in blocked.text
    assert "Nothing was sent" in blocked.text
    assert callbacks == []
    assert mail.outbox == []


def test_attempts_are_throttled_per_client_address(client, record):
    for _ in range(5):
        someone = HolderProfileFactory(member_number="").user
        client.force_login(someone)
        assert post(client, zip_code="81002").status_code == 302
    client.force_login(HolderProfileFactory(member_number="").user)  # a fresh account
    assert post(client).status_code == 429
    assert not RecordLinkRequest.objects.exists()


def test_bad_input_does_not_use_up_attempts(signed_in, record):
    for _ in range(8):
        assert post(signed_in, zip_code="bad").status_code == 200
    assert post(signed_in).status_code == 302


# --- The mailed link ------------------------------------------------------------------------


def test_the_mailed_link_shows_the_record_then_links_it(signed_in, account, record):
    url = reverse(
        "holders:claim_confirm",
        kwargs={"token": record_claim_token(account=account, record=record)},
    )
    shown = signed_in.get(url)
    assert shown.status_code == 200
    assert record.full_name in shown.text
    assert HolderProfile.objects.get(pk=record.pk).user is None  # opening changes nothing
    done = signed_in.post(url, follow=True)
    assert f"The record of {record.full_name} is now linked to your account." in done.text
    assert HolderProfile.objects.get(pk=record.pk).user == account
    again = signed_in.post(url)
    assert again.status_code == 400
    assert "already linked to your account" in again.text


def test_the_mailed_link_is_refused_for_another_account(client, account, record):
    url = reverse(
        "holders:claim_confirm",
        kwargs={"token": record_claim_token(account=account, record=record)},
    )
    client.force_login(HolderProfileFactory(member_number="").user)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert "sent for another account" in response.text
    assert HolderProfile.objects.get(pk=record.pk).user is None


def test_a_broken_link_is_refused(signed_in):
    response = signed_in.get(reverse("holders:claim_confirm", kwargs={"token": "broken"}))
    assert response.status_code == 400
    assert "This link is not valid" in response.text


# --- Staff decide link requests in the admin -------------------------------------------------


@pytest.fixture
def link_request(account, record):
    return RecordLinkRequest.objects.create(
        account=account,
        record=record,
        number_given="N4400",
        last_name_given="Okafor",
        zip_code_given="81001",
    )


def admin_url(name, link_request):
    return reverse(f"admin:holders_recordlinkrequest_{name}", args=[link_request.pk])


def test_staff_see_the_request_with_what_the_record_has(client, staff, link_request):
    client.force_login(staff)
    page = client.get(admin_url("change", link_request))
    assert page.status_code == 200
    assert "Approve and link" in page.text and "Reject" in page.text
    assert RECORD_EMAIL in page.text


def test_staff_approve_in_the_admin(
    client, staff, link_request, account, record, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    assert client.get(admin_url("approve", link_request)).status_code == 200
    unchecked = client.post(admin_url("approve", link_request))
    assert unchecked.status_code == 200 and "This field is required." in unchecked.text
    assert RecordLinkRequest.objects.get().status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(admin_url("approve", link_request), {"checked": "on"}, follow=True)
    assert "Approved:" in done.text
    link_request.refresh_from_db()
    assert (link_request.status, link_request.decided_by) == ("approved", staff)
    assert HolderProfile.objects.get(pk=record.pk).user == account
    assert [m.to for m in mail.outbox] == [[account.email]]


def test_staff_reject_in_the_admin_with_a_reason(
    client, staff, link_request, account, record, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    missing = client.post(admin_url("reject", link_request), {"reason": ""})
    assert missing.status_code == 200 and "This field is required." in missing.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(admin_url("reject", link_request), {"reason": "Please call us."})
    link_request.refresh_from_db()
    assert (link_request.status, link_request.rejection_reason) == ("rejected", "Please call us.")
    assert HolderProfile.objects.get(pk=record.pk).user is None
    assert "Please call us." in mail.outbox[0].body


def test_reviewers_cannot_decide_link_requests(client, link_request):
    reviewer = reviewer_user()
    client.force_login(reviewer)
    assert client.post(admin_url("approve", link_request)).status_code == 403
    assert client.post(admin_url("reject", link_request), {"reason": "x"}).status_code == 403
    assert RecordLinkRequest.objects.get().status == "pending"


def test_the_staff_group_may_decide(staff):
    assert staff.has_perm("holders.decide_recordlinkrequest")
    assert staff.has_perm("holders.view_recordlinkrequest")
    assert not staff.has_perm("holders.change_recordlinkrequest")
