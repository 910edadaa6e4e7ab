"""Every write to a part of a holder's renewal bumps the holder's renewal version, in the
same transaction (holders.renewal_version): the holder pages' cache is keyed by it."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from cecs.models import Attendance, CecEntry, Reservation, Submission, SubmissionEntry
from credentials.models import EmeritusStatus, InvoiceLine, RenewalInvoice, Waiver
from credentials.services import invoices_issue
from holders.models import ContactConfirmation, HolderProfile
from payments.models import CheckoutAttempt, Payment
from tests.factories import (
    AascClassFactory,
    HeldCredentialFactory,
    ReportingFormFactory,
    credential_type,
    holder_with,
    staff_user,
)

pytestmark = pytest.mark.django_db

# Tables that name a holder but are not part of what the holder pages show.
NOT_RENEWAL = {
    "holders.RecordLinkRequest": "a staff decision about an account, shown only in the admin",
    "credentials.ReminderLog": "the reminders sent, which no holder page shows",
}


def version(holder):
    return HolderProfile.objects.values_list("renewal_version", flat=True).get(pk=holder.pk)


@pytest.fixture
def renewal(cycle):
    """A holder with an invoice (and its line) for the 2027 cycle."""
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    return holder, RenewalInvoice.objects.get(holder=holder)


def _entry(holder, **fields):
    return CecEntry.objects.create(
        holder=holder,
        title="Fair housing",
        provider="NAA",
        earned_on=datetime.date(2026, 5, 1),
        hours=Decimal("2.00"),
        source_id="naa_course",
        category="in_network",
        **fields,
    )


def _submission(holder, invoice):
    return Submission.objects.create(
        holder=holder,
        cycle=invoice.cycle,
        invoice=invoice,
        cecs_owed=invoice.cecs_owed,
        in_network_minimum=invoice.in_network_minimum,
        total_hours=Decimal("2.00"),
        in_network_hours=Decimal("2.00"),
        participation_hours=Decimal("0"),
        submitted_at=timezone.now(),
        submitted_by=holder.user,
    )


def _payment(invoice):
    return Payment.objects.create(
        invoice=invoice,
        provider="test_mode",
        amount_cents=invoice.total_cents,
        currency="usd",
        paid_at=timezone.now(),
        receipt_number=f"R-{invoice.pk}",
    )


def _checkout(invoice):
    now = timezone.now()
    return CheckoutAttempt.objects.create(
        invoice=invoice,
        attempt=1,
        idempotency_key=f"key-{invoice.pk}",
        amount_cents=invoice.total_cents,
        status="expired",
        created_at=now,
        expires_at=now + datetime.timedelta(hours=1),
    )


# Each builds one row of a table that belongs to the renewal of `holder`.
ROWS = {
    "contact confirmation": lambda h, i: ContactConfirmation.objects.create(
        holder=h, cycle_year=2027, confirmed_at=timezone.now()
    ),
    "held credential": lambda h, i: HeldCredentialFactory(
        holder=h, credential_type=credential_type("CAPS")
    ),
    "waiver": lambda h, i: Waiver.objects.create(
        holder=h,
        cycle=i.cycle,
        waive_fee=True,
        reason="Illness",
        granted_by=staff_user(),
        granted_at=timezone.now(),
    ),
    "emeritus status": lambda h, i: EmeritusStatus.objects.create(
        holder=h,
        since_year=2027,
        reason="Retired",
        granted_by=staff_user(),
        granted_at=timezone.now(),
    ),
    "invoice": lambda h, i: i,
    "invoice line": lambda h, i: InvoiceLine.objects.filter(invoice=i).get(),
    "CEC entry": lambda h, i: _entry(h),
    "attendance": lambda h, i: Attendance.objects.create(
        aasc_class=AascClassFactory(),
        holder=h,
        recorded_by=staff_user(),
        recorded_at=timezone.now(),
    ),
    "reservation": lambda h, i: Reservation.objects.create(
        aasc_class=AascClassFactory(), holder=h, created_at=timezone.now()
    ),
    "reporting form": lambda h, i: ReportingFormFactory(holder=h),
    "submission": lambda h, i: _submission(h, i),
    "submission entry": lambda h, i: SubmissionEntry.objects.create(
        submission=_submission(h, i), entry=_entry(h), counted_hours=Decimal("2.00")
    ),
    "payment": lambda h, i: _payment(i),
    "checkout attempt": lambda h, i: _checkout(i),
}


@pytest.mark.parametrize("kind", ROWS)
def test_inserting_updating_and_deleting_a_row_each_bump_the_version(renewal, kind):
    holder, invoice = renewal
    before = version(holder)
    row = ROWS[kind](holder, invoice)
    created = version(holder)
    if kind not in ("invoice", "invoice line"):  # those two were inserted by the fixture
        assert created > before
    # A bulk update, as the batch jobs and the admin's actions write: no save(), no signal.
    type(row).objects.filter(pk=row.pk).update(id=F("id"))
    updated = version(holder)
    assert updated > created
    type(row).objects.filter(pk=row.pk).delete()
    assert version(holder) > updated


def test_issuing_invoices_bumps_every_invoiced_holder(cycle):
    first, second = holder_with("CAM"), holder_with("CAPS")
    before = (version(first), version(second))
    invoices_issue(cycle=cycle)
    assert version(first) > before[0] and version(second) > before[1]


def test_a_row_moved_to_another_holder_bumps_both(renewal, other_holder):
    holder, _ = renewal
    entry = _entry(holder)
    before = (version(holder), version(other_holder))
    CecEntry.objects.filter(pk=entry.pk).update(holder=other_holder)
    assert version(holder) > before[0]
    assert version(other_holder) > before[1]


def test_a_write_that_rolls_back_leaves_the_version(renewal):
    holder, _ = renewal
    before = version(holder)
    with pytest.raises(RuntimeError), transaction.atomic():
        _entry(holder)
        assert version(holder) > before  # seen inside the writing transaction
        raise RuntimeError
    assert version(holder) == before


def test_other_holders_keep_their_version(renewal, other_holder):
    holder, _ = renewal
    before = version(other_holder)
    _entry(holder)
    assert version(other_holder) == before


def test_saving_the_holder_record_bumps_even_with_the_version_it_loaded(renewal):
    holder, _ = renewal
    stale = HolderProfile.objects.get(pk=holder.pk)
    _entry(holder)
    bumped = version(holder)
    stale.city = "Pueblo"
    stale.save()  # writes back the old renewal_version it loaded
    assert version(holder) > bumped


def _tables_with_renewal_triggers():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE %s",
            ["pgtrigger_%renewal_v%"],
        )
        return {name for (name,) in cursor.fetchall()}


def test_every_table_that_names_a_holder_or_their_invoice_has_the_triggers():
    """A new model with a holder (or an invoice, or a submission) needs
    `renewal_version_triggers` in its Meta, or a reason in NOT_RENEWAL why its rows never
    show on a cached page."""
    owners = {HolderProfile, RenewalInvoice, Submission}
    expected = {
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in {"holders", "credentials", "cecs", "payments"}
        and not model.__name__.startswith("Historical")
        and model._meta.label not in NOT_RENEWAL
        and any(
            field.is_relation and field.concrete and field.related_model in owners
            for field in model._meta.fields
        )
    }
    assert expected <= _tables_with_renewal_triggers()
    assert "holders_holderprofile" in _tables_with_renewal_triggers()
