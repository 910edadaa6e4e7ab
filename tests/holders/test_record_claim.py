"""Claiming an imported record from an account that signed up with another address:
the match rules, the mailed link, the empty record the account had, link requests."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from core.errors import ApplicationError
from holders.models import HolderProfile, RecordLinkRequest
from holders.record_claims import (
    ACCOUNT_RECORD_IN_USE,
    CLAIM_LINK_EXPIRED,
    CLAIM_LINK_NOT_VALID,
    CLAIM_LINK_OTHER_ACCOUNT,
    CLAIM_LINK_USED,
    RECORD_ALREADY_YOURS,
    RECORD_TAKEN,
    claim_refusal,
    holder_record_link,
    record_claim_confirm,
    record_claim_from_token,
    record_claim_process,
    record_claim_request,
    record_claim_token,
    record_link_request_approve,
    record_link_request_reject,
)
from holders.selectors import claimable_record, holder_record_contents
from tests.factories import HeldCredentialFactory, HolderProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

RECORD_EMAIL = "dana.old@employer.example"


@pytest.fixture
def record(db):
    """Imported from NAAEI's list: no account yet, one CAM credential."""
    record = HolderProfileFactory(
        user=None,
        email=RECORD_EMAIL,
        first_name="Dana",
        last_name="de la Cruz",
        zip_code="80903-1234",
        member_number="M7700001",
        phone="",
        street="",
        job_title="",
    )
    HeldCredentialFactory(holder=record, number="CAM-55501")
    return record


@pytest.fixture
def empty(db):
    """The record sign-up started for an account with another address: contact details
    the person typed, nothing else."""
    return HolderProfileFactory(
        email="dana@home.example",
        first_name="Dana",
        last_name="de la Cruz",
        member_number="",
        phone="+17195550199",
        street="5 Elm St",
        job_title="Regional Manager",
    )


@pytest.fixture
def account(empty):
    return empty.user


def details(**overrides):
    return {"number": "M7700001", "last_name": "de la Cruz", "zip_code": "80903", **overrides}


def process(account, lost_email_access=False, **overrides):
    return record_claim_process(
        account_id=account.pk, lost_email_access=lost_email_access, **details(**overrides)
    )


def link_path(message):
    return re.search(r"https?://[^/\s]+(/holder/find-my-record/confirm/\S+/)", message.body).group(
        1
    )


def token_in(message):
    return link_path(message).rstrip("/").rsplit("/", 1)[1]


# --- Match rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        details(),
        details(number="m7700001 "),  # member number, any case, spaces around
        details(number="CAM-55501"),  # a credential's number
        details(number="cam-55501"),
        details(last_name="  DE LA   cruz "),  # case and spaces do not matter
        details(zip_code="80903-9999"),  # only the first 5 digits count
    ],
)
def test_exact_details_find_the_record(record, typed):
    assert claimable_record(**typed) == record


@pytest.mark.parametrize(
    "typed",
    [
        details(zip_code="80904"),  # wrong ZIP
        details(last_name="de la Cruise"),  # wrong last name
        details(last_name="delacruz"),  # spaces inside the name are not free
        details(number="M7700002"),  # wrong number
        details(number="CAM-5550"),  # part of a number
        details(number=""),
        details(zip_code=""),
    ],
)
def test_near_misses_find_nothing(record, typed):
    assert claimable_record(**typed) is None


def test_a_record_already_linked_to_an_account_is_not_found(record):
    record.user = UserFactory()
    record.save()
    assert claimable_record(**details()) is None
    assert claimable_record(**details(number="CAM-55501")) is None


def test_a_match_mails_the_link_to_the_records_address_not_the_accounts(record, account):
    assert process(account) == "mailed"
    (message,) = mail.outbox
    assert message.to == [RECORD_EMAIL]
    assert account.email.replace("@", "[at]").replace(".", "[.]") in message.body
    assert "/holder/find-my-record/confirm/" in message.body
    assert not RecordLinkRequest.objects.exists()


@pytest.mark.parametrize("typed", [details(zip_code="80904"), details(last_name="Cruz")])
def test_no_match_sends_nothing_and_stores_nothing(record, account, typed):
    history = HolderProfile.history.count()
    assert process(account, **typed) is None
    assert process(account, lost_email_access=True, **typed) is None
    assert mail.outbox == []
    assert not RecordLinkRequest.objects.exists()
    assert HolderProfile.history.count() == history


def test_the_request_is_looked_up_only_after_commit(
    record, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_claim_request(account=account, lost_email_access=False, **details())
    assert mail.outbox == []  # nothing looked up or sent inside the request's transaction
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [[RECORD_EMAIL]]


def test_a_record_mail_counts_against_its_mail_allowance(settings, record, account):
    settings.HOLDER_MAIL_RATE = "2/h"
    assert [process(account) for _ in range(3)] == ["mailed", "mailed", None]
    assert len(mail.outbox) == 2


# --- The mailed link -----------------------------------------------------------------------


def test_the_link_links_the_record_to_the_account(record, account, empty):
    process(account)
    token = token_in(mail.outbox[0])
    linked = record_claim_confirm(account=account, token=token)
    assert linked == record
    record.refresh_from_db()
    assert record.user == account
    assert record.email == RECORD_EMAIL  # mail keeps going to the record's address
    assert HolderProfile.objects.get(user=account) == record
    latest = record.history.latest()
    assert latest.history_user == account
    assert latest.history_change_reason.startswith(f"linked to account #{account.pk} (mailed link)")


def test_the_link_expires(record, account):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=2, minutes=1)):
        token = record_claim_token(account=account, record=record)
    with pytest.raises(ApplicationError) as error:
        record_claim_confirm(account=account, token=token)
    assert str(error.value) == CLAIM_LINK_EXPIRED.format(days=2)
    assert HolderProfile.objects.get(pk=record.pk).user is None


def test_the_link_works_just_before_it_expires(record, account):
    with time_machine.travel(
        timezone.now() - datetime.timedelta(days=2) + datetime.timedelta(minutes=1)
    ):
        token = record_claim_token(account=account, record=record)
    assert record_claim_confirm(account=account, token=token) == record


def test_the_link_is_refused_for_another_account(record, account):
    token = record_claim_token(account=account, record=record)
    other = HolderProfileFactory(member_number="").user
    with pytest.raises(ApplicationError) as error:
        record_claim_confirm(account=other, token=token)
    assert str(error.value) == CLAIM_LINK_OTHER_ACCOUNT
    assert HolderProfile.objects.get(pk=record.pk).user is None


@pytest.mark.parametrize("token", ["", "nonsense", "eyJhIjoxfQ:1abc:xyz"])
def test_a_broken_link_is_refused(record, account, token):
    with pytest.raises(ApplicationError) as error:
        record_claim_confirm(account=account, token=token)
    assert str(error.value) == CLAIM_LINK_NOT_VALID


def test_a_link_from_another_salt_is_refused(record, account):
    from django.core import signing

    forged = signing.dumps(
        {"account": account.pk, "record": record.pk, "email": RECORD_EMAIL, "from": None},
        salt="holders.contact-email-confirm",
    )
    with pytest.raises(ApplicationError, match="not valid"):
        record_claim_confirm(account=account, token=forged)


def test_the_link_works_once(record, account):
    token = record_claim_token(account=account, record=record)
    record_claim_confirm(account=account, token=token)
    history = HolderProfile.history.count()
    with pytest.raises(ApplicationError) as error:
        record_claim_confirm(account=account, token=token)
    assert str(error.value) == RECORD_ALREADY_YOURS
    assert HolderProfile.history.count() == history


def test_a_link_for_a_record_another_account_took_meanwhile_is_refused(record, account):
    token = record_claim_token(account=account, record=record)
    record.user = UserFactory()
    record.save()
    with pytest.raises(ApplicationError) as error:
        record_claim_confirm(account=account, token=token)
    assert str(error.value) == CLAIM_LINK_USED


def test_a_link_sent_to_an_address_the_record_no_longer_has_is_refused(record, account):
    token = record_claim_token(account=account, record=record)
    HolderProfile.objects.filter(pk=record.pk).update(email="new.office@employer.example")
    with pytest.raises(ApplicationError) as error:
        record_claim_from_token(account=account, token=token)
    assert str(error.value) == CLAIM_LINK_USED


# --- The empty record the account had -------------------------------------------------------


def test_the_empty_record_is_retired_and_what_was_typed_fills_the_records_gaps(
    record, account, empty
):
    empty_pk = empty.pk
    record_claim_confirm(account=account, token=record_claim_token(account=account, record=record))
    record.refresh_from_db()
    # Blank on the record: taken from what the person typed.
    assert record.phone.as_e164 == "+17195550199"
    assert record.street == "5 Elm St"
    assert record.job_title == "Regional Manager"
    # Imported by AASC: kept.
    assert record.city == "Colorado Springs"
    assert record.zip_code == "80903-1234"
    assert record.email == RECORD_EMAIL
    # The empty record is gone, but its history keeps every field, who and why.
    assert not HolderProfile.objects.filter(pk=empty_pk).exists()
    retired = HolderProfile.history.filter(id=empty_pk).latest()
    assert retired.history_type == "-"
    assert retired.history_user == account
    assert retired.email == "dana@home.example"
    assert retired.street == "5 Elm St"
    assert f"imported record #{record.pk}" in retired.history_change_reason
    assert f"#{empty_pk}" in record.history.latest().history_change_reason


def test_the_freed_address_can_become_the_records_contact_email(record, account, empty):
    from holders.selectors import email_in_use

    record_claim_confirm(account=account, token=record_claim_token(account=account, record=record))
    assert not email_in_use(email="dana@home.example", exclude_holder=record)


def test_an_account_whose_record_holds_credentials_cannot_take_another(record, account, empty):
    HeldCredentialFactory(holder=empty, number="CAPS-1")
    token = record_claim_token(account=account, record=record)
    assert holder_record_contents(holder=empty) == ["held credentials"]
    assert claim_refusal(account=account) == ACCOUNT_RECORD_IN_USE.format(
        contents="held credentials"
    )
    with pytest.raises(ApplicationError, match="contact the AASC office"):
        record_claim_confirm(account=account, token=token)
    assert HolderProfile.objects.get(user=account) == empty
    assert HolderProfile.objects.get(pk=record.pk).user is None
    # Nor is the look-up made or anything sent.
    with pytest.raises(ApplicationError):
        record_claim_request(account=account, lost_email_access=False, **details())
    assert process(account) is None
    assert mail.outbox == []


def test_an_account_without_a_record_just_takes_it(record):
    account = UserFactory()
    linked = holder_record_link(record=record, account=account, actor=account, how="in a test")
    assert linked.user == account
    assert account.groups.filter(name="Holders").exists()


def test_contact_confirmations_of_the_empty_record_are_not_moved(record, account, empty):
    from holders.services import contact_confirm

    contact_confirm(holder=empty, cycle_year=2027, actor=account)
    holder_record_link(record=record, account=account, actor=account, how="in a test")
    assert not record.contact_confirmations.exists()


# --- Link requests (no access to the record's email) ----------------------------------------


@pytest.fixture
def link_request(record, account):
    assert process(account, lost_email_access=True, number=" cam-55501 ") == "requested"
    return RecordLinkRequest.objects.get()


def test_a_link_request_keeps_what_was_typed_and_sends_nothing_yet(link_request, record, account):
    assert mail.outbox == []
    assert link_request.account == account
    assert link_request.record == record
    assert (link_request.number_given, link_request.last_name_given) == ("cam-55501", "de la Cruz")
    assert link_request.zip_code_given == "80903"
    assert link_request.status == RecordLinkRequest.Status.PENDING
    assert link_request.history.get().history_user == account
    assert HolderProfile.objects.get(pk=record.pk).user is None


def test_asking_again_keeps_one_pending_request(link_request, account):
    assert process(account, lost_email_access=True) == "requested"
    assert RecordLinkRequest.objects.count() == 1


def test_approving_links_the_record_uses_the_accounts_address_and_tells_them(
    link_request, record, account, empty, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record_link_request_approve(link_request=link_request, actor=staff)
    link_request.refresh_from_db()
    assert link_request.status == RecordLinkRequest.Status.APPROVED
    assert link_request.decided_by == staff
    assert link_request.decided_at is not None
    latest = link_request.history.latest()
    assert (latest.history_user, latest.status) == (staff, "approved")
    record.refresh_from_db()
    assert record.user == account
    assert record.email == account.email and record.email_verified
    assert record.history.latest().history_user == staff
    assert HolderProfile.history.filter(id=empty.pk).latest().history_user == staff
    (message,) = mail.outbox
    assert message.to == [account.email]
    assert "now linked" in message.body


def test_rejecting_needs_a_reason_and_emails_it(
    link_request, record, account, staff, django_capture_on_commit_callbacks
):
    with pytest.raises(ApplicationError, match="reason"):
        record_link_request_reject(link_request=link_request, actor=staff, reason="  ")
    assert RecordLinkRequest.objects.get().status == RecordLinkRequest.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        record_link_request_reject(
            link_request=link_request, actor=staff, reason="The ZIP code is not on our list."
        )
    link_request.refresh_from_db()
    assert link_request.status == RecordLinkRequest.Status.REJECTED
    assert link_request.rejection_reason == "The ZIP code is not on our list."
    assert (link_request.decided_by, link_request.history.latest().history_user) == (staff, staff)
    assert HolderProfile.objects.get(pk=record.pk).user is None
    (message,) = mail.outbox
    assert message.to == [account.email]
    assert "The ZIP code is not on our list." in message.body


def test_a_decided_request_cannot_be_decided_again(link_request, staff):
    record_link_request_reject(link_request=link_request, actor=staff, reason="No.")
    with pytest.raises(ApplicationError, match="decided already"):
        record_link_request_approve(link_request=link_request, actor=staff)
    assert HolderProfile.objects.get(pk=link_request.record_id).user is None


def test_approving_a_record_another_account_took_meanwhile_changes_nothing(
    link_request, record, staff
):
    record.user = UserFactory()
    record.save()
    with pytest.raises(ApplicationError) as error:
        record_link_request_approve(link_request=link_request, actor=staff)
    assert str(error.value) == RECORD_TAKEN
    assert RecordLinkRequest.objects.get().status == RecordLinkRequest.Status.PENDING
