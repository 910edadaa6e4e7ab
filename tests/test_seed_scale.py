"""`seed_scale` (the benchmark's data set) on the test database, with a few holders: the
shapes it promises, every state it promises, and a rerun that replaces rather than adds.

It is a command of the bench app, which the portal's settings do not install (only
bench/settings.py does), so the tests run the command object itself."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from bench.management.commands.seed_scale import Command
from bench.seeding.constants import BENCH_ADMIN, BENCH_HOLDER, BENCH_REVIEWER
from cecs.ledger.selectors import cec_status
from cecs.models import (
    Attendance,
    CecEntry,
    ReportingForm,
    Submission,
    SubmissionEntry,
    SubmissionTally,
)
from credentials.models import (
    HeldCredential,
    InvoiceLine,
    ReminderLog,
    RenewalInvoice,
)
from holders.models import HolderProfile, User
from payments.models import CheckoutAttempt, Payment
from tests.factories import HolderProfileFactory

pytestmark = pytest.mark.django_db

HOLDERS = 40
MODELS = [
    User,
    HolderProfile,
    HeldCredential,
    RenewalInvoice,
    InvoiceLine,
    ReminderLog,
    CecEntry,
    Attendance,
    ReportingForm,
    Submission,
    SubmissionEntry,
    Payment,
    CheckoutAttempt,
]


def seed(**options):
    out = StringIO()
    call_command(Command(), holders=HOLDERS, no_vacuum=True, stdout=out, **options)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def states(model, *fields):
    return set(model.objects.values_list(*fields).distinct())


@pytest.fixture
def seeded(db):
    return seed(password="seeded-password-123")


def test_holders_have_one_to_three_credentials_and_about_ten_cecs_a_year(seeded):
    assert HolderProfile.objects.count() == HOLDERS
    per_holder = HolderProfile.objects.annotate(n=Count("credentials")).values_list("n", flat=True)
    assert set(per_holder) <= {1, 2, 3}
    entries = CecEntry.objects.count()
    assert 14 * HOLDERS <= entries <= 26 * HOLDERS  # about 10 a year for 2025 and 2026
    assert {d.year for d in CecEntry.objects.dates("earned_on", "year")} == {2025, 2026}
    assert all(
        e.attendance_id or e.reporting_form_id or e.source_id == "other_provider"
        for e in CecEntry.objects.all()
    )


def test_every_state_is_seeded(seeded):
    assert states(RenewalInvoice, "cycle__year", "status") >= {
        (2026, "paid"),
        (2026, "waived"),
        (2026, "open"),
        (2026, "void"),
        (2026, "refunded"),
        (2027, "open"),
        (2027, "paid"),
        (2027, "waived"),
    }
    assert {s for (s,) in states(ReportingForm, "status")} == set(ReportingForm.Status.values)
    assert {s for (s,) in states(Submission, "status")} == set(Submission.Status.values)
    assert states(Submission, "cycle__year") == {(2026,), (2027,)}
    assert {s for (s,) in states(HeldCredential, "status")} >= {"active", "due", "lapsed"}
    assert {s for (s,) in states(Payment, "status")} == set(Payment.Status.values)
    assert {s for (s,) in states(CecEntry, "status")} == set(CecEntry.Status.values)
    assert RenewalInvoice.objects.filter(completed_at__isnull=False).exists()
    assert ReminderLog.objects.filter(status="sent").exists()


def test_submissions_hold_exactly_what_counts(seeded):
    """The seed's submissions agree with the portal's own counting rules, but for the
    entries NAAEI named in rejecting one: those no longer count."""
    for submission in Submission.objects.select_related("holder", "cycle", "invoice"):
        status = cec_status(
            holder=submission.holder, cycle=submission.cycle, invoice=submission.invoice
        )
        named = submission.lines.exclude(not_accepted_reason="")
        assert all(line.entry.status == "not_accepted" for line in named)
        assert status.is_met
        assert status.total == submission.total_hours - sum(line.counted_hours for line in named)
        assert {line.entry_id for line in submission.lines.all()} - {
            line.entry_id for line in named
        } == {line.entry.pk for line in status.counting}


def test_the_2027_invoices_come_from_the_issuing_service(seeded):
    lines = InvoiceLine.objects.filter(invoice__cycle__year=2027)
    assert lines.exists()
    for line in lines.select_related("held_credential", "invoice"):
        assert line.held_credential.holder_id == line.invoice.holder_id
    assert "invoices_issue for the 2027 cycle" in seeded


def test_bench_accounts_are_printed_and_can_sign_in(seeded, client):
    for email in (BENCH_HOLDER, BENCH_REVIEWER, BENCH_ADMIN):
        assert email in seeded
    assert "seeded-password-123" in seeded
    holder = HolderProfile.objects.get(email=BENCH_HOLDER)
    assert holder.cec_entries.filter(attendance__isnull=False).exists()
    admin = User.objects.get(email=BENCH_ADMIN)
    assert admin.is_superuser and admin.check_password("seeded-password-123")
    # One hash for everyone: the hasher ran once, not once per holder.
    assert User.objects.values("password").distinct().count() == 1


def test_a_rerun_replaces_the_seed_instead_of_adding_to_it(seeded):
    before = counts()
    first_ids = set(HolderProfile.objects.values_list("pk", flat=True))
    seed()
    assert counts() == before
    assert set(HolderProfile.objects.values_list("pk", flat=True)).isdisjoint(first_ids)


def test_clear_deletes_only_the_seed(seeded):
    own = HolderProfileFactory()
    seed(clear=True)
    assert list(HolderProfile.objects.all()) == [own]
    assert not CecEntry.objects.exists()
    assert not User.objects.filter(email__endswith="@scale.test").exists()


def test_refuses_a_database_with_other_holders(db):
    HolderProfileFactory()
    with pytest.raises(CommandError, match="did not create"):
        seed()


def test_refuses_anything_but_postgresql(db, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        seed()


def tally_agrees():
    """The submissions tally PostgreSQL keeps (cecs.SubmissionTally) matches a count."""
    counted = {
        (row["cycle_id"], row["status"]): row["n"]
        for row in Submission.objects.values("cycle_id", "status").annotate(n=Count("id"))
    }
    tallied = {
        (row.cycle_id, row.status): row.total for row in SubmissionTally.objects.exclude(total=0)
    }
    return tallied == counted


def test_the_submissions_tally_holds_through_seeding_and_clearing(seeded):
    assert Submission.objects.exists()
    assert tally_agrees()
    seed()
    assert tally_agrees()
    seed(clear=True)
    assert tally_agrees()
