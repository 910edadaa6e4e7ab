import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credentials.models import HeldCredential, RenewalInvoice
from credentials.services import invoices_issue, waiver_grant
from tests.concurrency import run_together
from tests.factories import credential_type, holder_with, staff_user

pytestmark = pytest.mark.django_db


def test_every_holder_with_a_renewing_credential_gets_one_invoice(cycle):
    cam_nalp = holder_with("CAM", "NALP")
    aime = holder_with("CAMT", "AIME")
    holder_with("CAMT")  # lifetime only: nothing to renew
    holder_with(
        "CAM", expires_on=datetime.date(2027, 12, 31)
    )  # earned this year: renews next cycle
    lapsed = holder_with("CAS")
    lapsed.credentials.update(status=HeldCredential.Status.LAPSED)

    result = invoices_issue(cycle=cycle)

    assert (result.created, result.skipped) == (2, 0)
    assert set(RenewalInvoice.objects.values_list("holder_id", flat=True)) == {
        cam_nalp.pk,
        aime.pk,
    }


def test_invoice_lists_each_credential_with_its_fee_and_the_cecs_owed(cycle):
    holder = holder_with("CAM", "NALP")
    invoices_issue(cycle=cycle)
    invoice = RenewalInvoice.objects.get(holder=holder)

    assert invoice.number == f"AASC-2027-{holder.pk:06d}"
    assert [line.fee_cents for line in invoice.lines.all()] == [12500, 9500]
    assert invoice.lines.first().description.startswith("CAM renewal")
    assert invoice.total_cents == 22000
    assert invoice.cecs_owed == Decimal(8)  # the larger requirement, not 8 + 5
    assert invoice.in_network_minimum == Decimal(5)
    assert invoice.participation_cap == Decimal(2)
    assert (invoice.cec_window_start, invoice.cec_window_end) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
    )
    assert invoice.due_on == datetime.date(2027, 1, 1)
    assert invoice.status == RenewalInvoice.Status.OPEN


def test_an_issued_invoice_is_a_snapshot(cycle):
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    cam = credential_type("CAM")
    cam.annual_fee_cents = 99900
    cam.save()
    requirement = cam.requirements.get(from_year=2022)
    requirement.total_cecs = Decimal(12)
    requirement.save()

    invoice = RenewalInvoice.objects.get(holder=holder)
    assert invoice.total_cents == 12500
    assert invoice.lines.get().fee_cents == 12500
    assert invoice.cecs_owed == Decimal(8)


def test_issuing_twice_creates_nothing_new(cycle):
    for _ in range(3):
        holder_with("CAM")
    invoices_issue(cycle=cycle)
    again = invoices_issue(cycle=cycle)
    assert (again.created, again.skipped) == (0, 3)
    assert RenewalInvoice.objects.count() == 3


def test_a_holder_added_later_is_invoiced_by_the_next_run(cycle):
    holder_with("CAM")
    invoices_issue(cycle=cycle)
    late = holder_with("NALP")
    result = invoices_issue(cycle=cycle)
    assert (result.created, result.skipped) == (1, 1)
    assert RenewalInvoice.objects.filter(holder=late).exists()


def queries_to_issue(cycle, holders):
    for _ in range(holders):
        holder_with("CAM", "NALP")
    RenewalInvoice.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        result = invoices_issue(cycle=cycle, batch_size=500)
    assert result.created == RenewalInvoice.objects.count()
    return len(queries)


def test_query_count_does_not_grow_with_the_number_of_holders(cycle):
    few = queries_to_issue(cycle, 2)
    many = queries_to_issue(cycle, 40)  # 42 holders in all, one batch
    assert few == many
    assert many <= 13  # 12, and one INSERT of the invoices' history rows per batch


ISSUED_AT = datetime.datetime(2026, 11, 1, 6, 0, tzinfo=datetime.UTC)


def test_every_issued_invoice_has_its_history_row_by_the_actor_at_the_issue_time(cycle):
    staff = staff_user()
    holders = [holder_with("CAM", "NALP") for _ in range(5)]
    invoices_issue(cycle=cycle, actor=staff, now=ISSUED_AT, batch_size=2)  # three batches

    rows = RenewalInvoice.history.all()
    assert rows.count() == RenewalInvoice.objects.count() == len(holders)
    for invoice in RenewalInvoice.objects.all():
        (row,) = invoice.history.all()
        assert row.history_type == "+"
        assert row.history_user == staff
        assert row.history_date == ISSUED_AT == invoice.issued_at
        assert row.history_change_reason == "issued for the 2027 cycle"
        assert (row.number, row.fees_cents, row.status) == (
            invoice.number,
            invoice.fees_cents,
            invoice.status,
        )


def test_invoices_issued_by_the_command_are_recorded_as_the_systems(cycle):
    holder_with("CAM")
    holder_with("NALP")
    call_command("issue_invoices", "--year", "2027")
    rows = list(RenewalInvoice.history.all())
    assert len(rows) == 2
    assert {(row.history_type, row.history_user) for row in rows} == {("+", None)}
    assert {row.history_date for row in rows} == set(
        RenewalInvoice.objects.values_list("issued_at", flat=True)
    )


def test_issuing_again_adds_no_history_row(cycle):
    holder_with("CAM")
    invoices_issue(cycle=cycle)
    invoices_issue(cycle=cycle)
    assert RenewalInvoice.history.count() == 1


def test_waivers_and_emeritus_are_applied_when_issuing(cycle):
    staff = staff_user()
    fee_waived = holder_with("CAM")
    cecs_waived = holder_with("CAM")
    waiver_grant(
        holder=fee_waived,
        cycle=cycle,
        waive_fee=True,
        waive_cecs=False,
        reason="Deployed overseas",
        actor=staff,
    )
    waiver_grant(
        holder=cecs_waived,
        cycle=cycle,
        waive_fee=False,
        waive_cecs=True,
        reason="Deployed overseas",
        actor=staff,
    )
    invoices_issue(cycle=cycle)

    fee_invoice = RenewalInvoice.objects.get(holder=fee_waived)
    assert fee_invoice.status == RenewalInvoice.Status.WAIVED
    assert fee_invoice.total_cents == 0
    assert fee_invoice.owes_cecs
    cecs_invoice = RenewalInvoice.objects.get(holder=cecs_waived)
    assert cecs_invoice.status == RenewalInvoice.Status.OPEN
    assert not cecs_invoice.owes_cecs


def test_command_reports_created_and_skipped(cycle, capsys):
    holder_with("CAM")
    call_command("issue_invoices", "--year", "2027")
    call_command("issue_invoices", "--year", "2027")
    out = capsys.readouterr().out
    assert "2027: 1 invoice(s) issued, 0 holder(s) already invoiced" in out
    assert "2027: 0 invoice(s) issued, 1 holder(s) already invoiced" in out


def test_command_creates_the_cycle_with_the_default_dates(db, capsys):
    call_command("issue_invoices", "--year", "2028")
    from credentials.models import RenewalCycle

    cycle = RenewalCycle.objects.get(year=2028)
    assert cycle.invoices_go_out_on == datetime.date(2027, 11, 1)
    assert cycle.grace_ends_on == datetime.date(2028, 3, 31)
    assert cycle.late_fee_cents == 5000
    assert (cycle.cec_window_start, cycle.cec_window_end) == (
        datetime.date(2027, 1, 1),
        datetime.date(2027, 12, 31),
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_issue_one_invoice_per_holder(cycle):
    holders = [holder_with("CAM", "NALP") for _ in range(30)]
    results, errors = run_together(lambda: invoices_issue(cycle=cycle, batch_size=7), 2)

    assert errors == []
    assert sorted(r.created for r in results) == [0, 30]
    assert sorted(r.skipped for r in results) == [0, 30]
    assert RenewalInvoice.objects.count() == len(holders)
