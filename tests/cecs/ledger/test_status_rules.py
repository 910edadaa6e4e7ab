"""design.md rule 2: what counts for cycle Y, computed in cecs.ledger.selectors.cec_status."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cecs.ledger.selectors import cec_status
from cecs.ledger.services import entry_create
from cecs.models import CecEntry, Source
from credentials.models import RenewalInvoice
from credentials.services import invoices_issue
from tests.factories import ReportingFormFactory, holder_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(cycle):
    holder = holder_with("CAM", "NALP")  # owes 8 in 2027, 5 in-network, participation cap 2
    invoices_issue(cycle=cycle)
    return holder


def add(holder, hours, source=Source.AASC_CLASS, earned_on=datetime.date(2026, 6, 1), **extra):
    return entry_create(
        holder=holder,
        title=extra.pop("title", f"{source} {hours}"),
        provider="AASC",
        earned_on=earned_on,
        hours=Decimal(hours),
        source=source,
        **extra,
    )


def status_for(holder, cycle):
    return cec_status(
        holder=holder, cycle=cycle, invoice=RenewalInvoice.objects.get(holder=holder, cycle=cycle)
    )


def edit_the_cycles_window_a_year_back(cycle):
    """Staff change the cycle after the invoices went out (the admin's change form)."""
    cycle.cec_window_start = datetime.date(2025, 1, 1)
    cycle.cec_window_end = datetime.date(2025, 12, 31)
    cycle.save()


def test_the_window_is_the_invoices_after_staff_edit_the_cycle(holder, cycle):
    in_invoice_window = add(holder, "5", earned_on=datetime.date(2026, 6, 1))
    in_edited_window = add(holder, "3", earned_on=datetime.date(2025, 6, 1))
    edit_the_cycles_window_a_year_back(cycle)

    status = status_for(holder, cycle)
    assert (status.window_start, status.window_end) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
    )
    assert [line.entry for line in status.counting] == [in_invoice_window]
    assert [line.entry for line in status.not_counting] == [in_edited_window]
    assert status.not_counting[0].reason == (
        "Earned in 2025; the 2027 renewal accepts only CECs earned in 2026."
    )
    assert status.total == 5


def test_without_an_invoice_the_window_is_the_cycles(holder, cycle):
    in_edited_window = add(holder, "3", earned_on=datetime.date(2025, 6, 1))
    edit_the_cycles_window_a_year_back(cycle)
    status = cec_status(holder=holder, cycle=cycle, invoice=None)
    assert status.window_end == datetime.date(2025, 12, 31)
    assert [line.entry for line in status.counting] == [in_edited_window]


def test_the_status_page_agrees_with_the_invoice_after_staff_edit_the_cycle(client, holder, cycle):
    add(holder, "5", earned_on=datetime.date(2026, 6, 1))
    add(holder, "3", earned_on=datetime.date(2025, 6, 1))
    edit_the_cycles_window_a_year_back(cycle)
    client.force_login(holder.user)
    page = client.get(reverse("cecs:status"))
    assert page.status_code == 200
    assert page.context["status"].total == 5
    assert "accepts CECs earned from January 1, 2026 to December 31, 2026" in page.text
    assert "3 more CECs needed</strong> (earned in 2026)" in page.text


def test_owed_comes_from_the_invoice_snapshot(holder, cycle):
    status = status_for(holder, cycle)
    assert (status.owed, status.in_network_minimum, status.participation_cap) == (8, 5, 2)
    assert status.missing == 8
    assert not status.is_met


def test_participation_counts_only_up_to_the_cap(holder, cycle):
    add(holder, "1.5", Source.COMMITTEE, datetime.date(2026, 2, 1))
    add(holder, "1.5", Source.VOLUNTEERING, datetime.date(2026, 3, 1))
    add(holder, "1", Source.COMMITTEE, datetime.date(2026, 4, 1))
    status = status_for(holder, cycle)
    assert status.participation == Decimal(2)
    assert [line.counted_hours for line in status.counting] == [Decimal("1.5"), Decimal("0.5")]
    assert "over the 2-CEC participation cap" in status.counting[1].reason
    assert [line.entry.hours for line in status.not_counting] == [Decimal(1)]
    assert status.not_counting[0].reason == "Over the 2-CEC participation cap."


def test_in_network_minimum_not_met_even_when_the_total_is(holder, cycle):
    add(holder, "4")  # in-network
    add(holder, "4", Source.OTHER_PROVIDER)
    status = status_for(holder, cycle)
    assert status.total == 8
    assert status.missing_total == 0
    assert status.missing_in_network == 1
    assert status.missing == 1
    assert not status.is_met


def test_requirement_met_with_in_network_participation_and_other(holder, cycle):
    add(holder, "5")
    add(holder, "2", Source.VOLUNTEERING)
    add(holder, "1", Source.OTHER_PROVIDER)
    status = status_for(holder, cycle)
    assert (status.in_network, status.participation, status.other) == (5, 2, 1)
    assert status.is_met
    assert status.missing == 0


def test_entries_older_than_the_year_before_the_window_are_left_to_the_history(holder, cycle):
    add(holder, "2", earned_on=datetime.date(2024, 12, 31), title="Long ago")
    add(holder, "2", earned_on=datetime.date(2025, 1, 1), title="Year before")
    add(holder, "2", earned_on=datetime.date(2026, 3, 1), title="Counts")
    status = status_for(holder, cycle)
    assert status.listed_from == datetime.date(2025, 1, 1)
    assert [line.entry.title for line in status.counting] == ["Counts"]
    assert [line.entry.title for line in status.not_counting] == ["Year before"]


@pytest.mark.parametrize(
    ("earned_on", "counts"),
    [
        (datetime.date(2025, 12, 31), False),  # 31 Dec of Y-2
        (datetime.date(2026, 1, 1), True),  # 1 Jan of Y-1
        (datetime.date(2026, 12, 31), True),  # 31 Dec of Y-1
        (datetime.date(2027, 1, 1), False),  # 1 Jan of Y
    ],
)
def test_only_cecs_earned_in_the_previous_year_count(holder, cycle, earned_on, counts):
    add(holder, "3", earned_on=earned_on)
    status = status_for(holder, cycle)
    assert (status.total == 3) is counts
    if not counts:
        assert f"Earned in {earned_on.year}" in status.not_counting[0].reason
        assert "accepts only CECs earned in 2026" in status.not_counting[0].reason


def test_an_activity_at_2330_pacific_on_31_december_is_earned_in_the_new_year_in_colorado(
    holder, cycle
):
    from cecs.reporting.services import form_earned_on

    form = ReportingFormFactory(
        holder=holder,
        date_from=datetime.date(2026, 12, 31),
        start_time=datetime.time(23, 30),
        end_time=datetime.time(23, 59),
        time_zone="America/Los_Angeles",
        hours=Decimal("0.48"),
    )
    assert form_earned_on(form) == datetime.date(2027, 1, 1)  # 00:30 in Denver
    form.time_zone = "America/Denver"
    assert form_earned_on(form) == datetime.date(2026, 12, 31)


def test_withdrawn_entries_do_not_count_and_say_why(holder, cycle):
    entry = add(holder, "3")
    entry.status = CecEntry.Status.WITHDRAWN
    entry.correction_note = "Attendance removed: wrong holder"
    entry.save()
    status = status_for(holder, cycle)
    assert status.total == 0
    assert status.not_counting[0].reason == "Attendance removed: wrong holder"


def test_unverified_and_returned_forms_are_listed_but_not_counted(holder, cycle):
    ReportingFormFactory(holder=holder, status="submitted")
    ReportingFormFactory(holder=holder, status="returned", returned_reason="No signature")
    ReportingFormFactory(holder=holder, status="draft")
    status = status_for(holder, cycle)
    assert status.total == 0
    assert sorted(form.status for form in status.pending_forms) == [
        "draft",
        "returned",
        "submitted",
    ]


def test_cecs_waived_on_the_invoice_means_the_requirement_is_met(holder, cycle):
    RenewalInvoice.objects.filter(holder=holder).update(cecs_waived=True)
    assert status_for(holder, cycle).is_met


def test_without_an_invoice_the_requirement_comes_from_the_credentials(cycle):
    holder = holder_with("AIME")
    status = cec_status(holder=holder, cycle=cycle, invoice=None)
    assert (status.owed, status.in_network_minimum) == (5, 3)


def test_other_holders_entries_never_count(holder, cycle):
    add(holder_with("CAM"), "8")
    assert status_for(holder, cycle).total == 0


def test_a_verified_two_day_form_may_claim_more_than_one_days_hours(holder, cycle):
    from cecs.reporting.services import reporting_form_verify
    from tests.factories import staff_user

    form = ReportingFormFactory(
        holder=holder,
        date_from=datetime.date(2026, 9, 14),
        date_to=datetime.date(2026, 9, 15),
        start_time=None,
        end_time=None,
        gross_hours=Decimal(16),
        break_minutes=0,
        hours=Decimal(16),
    )
    reporting_form_verify(form=form, actor=staff_user(), signer_name="Casey Office")
    assert form.cec_entry.hours == 16
    assert form.cec_entry.earned_on == datetime.date(2026, 9, 15)


def test_an_entry_after_the_window_is_said_to_count_towards_a_later_renewal(holder, cycle):
    add(holder, "2", earned_on=datetime.date(2027, 1, 15))
    status = status_for(holder, cycle)
    assert status.not_counting[0].reason == (
        "Earned in 2027; the 2027 renewal accepts only CECs earned in 2026. "
        "It counts towards a later renewal."
    )
