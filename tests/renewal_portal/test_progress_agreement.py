"""Where a renewal stands is written once for one invoice (renewal_progress, in Python) and
once for many (progress_expressions, in SQL: the reminders' selection, the season overview,
the admin's progress filter). On random renewals in every state both give the same answers."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cecs.models import CecEntry, ReportingForm, Source, Submission
from credentials.models import RenewalInvoice
from credentials.services import invoices_issue, waiver_grant
from holders.models import ContactConfirmation
from renewal_portal.overview import annotated_invoices, cycle_overview
from renewal_portal.progress import progress_expressions, renewal_progress
from renewal_portal.reminders import needing_reminders
from tests.factories import ReportingFormFactory, holder_with, kind_category, staff_user

pytestmark = pytest.mark.django_db

KEYS = list(progress_expressions())
# The funnel's figures and the progress answers they show.
FIGURES = {
    "contact_confirmed": "contact_confirmed",
    "paid": "settled",
    "enough_cecs": "cecs_met",
    "submitted": "submitted",
    "approved": "approved",
    "renewed": "complete",
}
# Submission histories a renewal can have (at most one pending or approved, last).
HISTORIES = [[], ["rejected"], ["pending"], ["approved"], ["rejected", "pending"]]

entry = st.fixed_dictionaries(
    {
        "source": st.sampled_from([Source.AASC_CLASS, Source.COMMITTEE, Source.EXPO_CLASS]),
        "hours": st.integers(min_value=1, max_value=6).map(Decimal),
        # Inside the 2026 window, on its edges, or just before it.
        "earned_on": st.sampled_from(
            [datetime.date(2025, 12, 31), datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)]
        ),
    }
)
renewal = st.fixed_dictionaries(
    {
        "codes": st.lists(st.sampled_from(["CAM", "CAPS", "NALP"]), min_size=1, max_size=2),
        "entries": st.lists(entry, max_size=4),
        "status": st.sampled_from(list(RenewalInvoice.Status)),
        "waive_fee": st.booleans(),
        "waive_cecs": st.booleans(),
        # None, this renewal's year, or an earlier year's confirmation (which does not count).
        "contact_year": st.sampled_from([None, 2027, 2026]),
        "submissions": st.sampled_from(HISTORIES),
        "forms": st.lists(st.sampled_from(list(ReportingForm.Status)), max_size=3),
        "complete": st.booleans(),
    }
)


class Rollback(Exception):
    pass


def build(cycle, renewals):
    holders = []
    for spec in renewals:
        holder = holder_with(*dict.fromkeys(spec["codes"]))
        for line in spec["entries"]:
            CecEntry.objects.create(
                holder=holder,
                title="Activity",
                provider="AASC",
                earned_on=line["earned_on"],
                hours=line["hours"],
                source_id=line["source"],
                category=kind_category(line["source"]),
            )
        for status in spec["forms"]:
            signed = {"verified_at": timezone.now(), "signer_name": "A. Signer"}
            ReportingFormFactory(
                holder=holder, status=status, **(signed if status == "verified" else {})
            )
        if spec["contact_year"]:
            ContactConfirmation.objects.create(
                holder=holder, cycle_year=spec["contact_year"], confirmed_at=timezone.now()
            )
        holders.append((holder, spec))
    invoices_issue(cycle=cycle)
    actor = staff_user()
    for holder, spec in holders:
        if spec["waive_fee"] or spec["waive_cecs"]:
            waiver_grant(
                holder=holder,
                cycle=cycle,
                waive_fee=spec["waive_fee"],
                waive_cecs=spec["waive_cecs"],
                reason="Deployed",
                actor=actor,
            )
        invoice = RenewalInvoice.objects.get(holder=holder, cycle=cycle)
        # States are set directly: the agreement holds for any row, reachable or not.
        invoice.status = spec["status"]
        invoice.completed_at = timezone.now() if spec["complete"] else None
        invoice.save()
        for k, status in enumerate(spec["submissions"]):
            at = timezone.now() + datetime.timedelta(minutes=k)
            decided = status != Submission.Status.PENDING
            Submission.objects.create(
                holder=holder,
                cycle=cycle,
                invoice=invoice,
                status=status,
                cecs_owed=invoice.cecs_owed,
                in_network_minimum=invoice.in_network_minimum,
                total_hours=0,
                in_network_hours=0,
                participation_hours=0,
                submitted_at=at,
                submitted_by=actor,
                decided_at=at if decided else None,
                decided_by=actor if decided else None,
                rejection_reason="Attach the certificate." if status == "rejected" else "",
            )


def one_by_one(cycle):
    answers = {}
    for invoice in RenewalInvoice.objects.filter(cycle=cycle).select_related("holder", "cycle"):
        progress = renewal_progress(invoice=invoice)
        answers[invoice.pk] = {key: getattr(progress, key) for key in KEYS}
    return answers


def all_at_once(cycle):
    booleans = {
        key: ExpressionWrapper(expression, output_field=BooleanField())
        for key, expression in progress_expressions().items()
    }
    rows = RenewalInvoice.objects.filter(cycle=cycle).annotate(**booleans).values("pk", *KEYS)
    return {row.pop("pk"): row for row in rows}


def check_agreement(cycle, renewals):
    build(cycle, renewals)
    expected = one_by_one(cycle)
    assert all_at_once(cycle) == expected
    awaiting = {pk for pk, answer in expected.items() if answer["awaiting_holder"]}
    assert set(needing_reminders().values_list("pk", flat=True)) == awaiting
    not_void = RenewalInvoice.objects.filter(cycle=cycle).exclude(status="void")
    live = {pk: expected[pk] for pk in not_void.values_list("pk", flat=True)}
    figures = cycle_overview(cycle).figures
    for figure, key in FIGURES.items():
        matching = {pk for pk, answer in live.items() if answer[key]}
        assert figures[figure] == len(matching), figure
        filtered = annotated_invoices(cycle).filter(**{figure: True})
        assert set(filtered.values_list("pk", flat=True)) == matching, figure
    return expected


def test_one_invoice_and_many_invoices_give_the_same_progress(cycle):
    reached = {key: set() for key in KEYS}

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,  # the same examples on every machine, CI's fresh clone included
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(renewals=st.lists(renewal, min_size=1, max_size=4))
    def agree(renewals):
        try:
            with transaction.atomic():
                for answer in check_agreement(cycle, renewals).values():
                    for key, value in answer.items():
                        reached[key].add(value)
                raise Rollback
        except Rollback:
            pass

    agree()
    # Every answer was seen both true and false, so no expression agreed by being constant.
    assert {key for key, seen in reached.items() if seen != {True, False}} == set()


def test_a_renewal_read_with_its_facts_costs_two_queries(cycle, django_assert_num_queries):
    """The dashboard reads the invoice with the contact confirmation and form counts, then
    the ledger and the latest submission: two queries after the invoice."""
    from renewal_portal.progress import invoice_with_facts

    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    invoice = invoice_with_facts(holder=holder, cycle=cycle)
    with django_assert_num_queries(2):
        progress = renewal_progress(invoice=invoice)
    assert (progress.needs_contact, progress.needs_payment, progress.needs_cecs) == (
        True,
        True,
        True,
    )
