import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cecs.ledger.selectors import cec_status
from cecs.ledger.services import entry_create
from cecs.models import Source, Submission
from credentials.models import HeldCredential, RenewalInvoice
from credentials.services import invoices_issue
from holders.models import ContactConfirmation
from holders.services import contact_confirm
from payments.services import payment_fulfil
from renewal_portal.overview import annotated_invoices, cycle_overview
from tests.factories import holder_with

pytestmark = pytest.mark.django_db

SOURCES = [Source.AASC_CLASS, Source.COMMITTEE, Source.VOLUNTEERING, Source.OTHER_PROVIDER]


def random_season(cycle, count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        codes = rng.sample(["CAM", "NALP", "CAS", "AIME", "CAPS"], rng.randint(1, 3))
        holder_with(*codes)
    invoices_issue(cycle=cycle)
    for invoice in RenewalInvoice.objects.filter(cycle=cycle).select_related("holder"):
        holder = invoice.holder
        if rng.random() < 0.5:
            contact_confirm(holder=holder, cycle_year=2027, actor=holder.user)
        for _ in range(rng.randint(0, 4)):
            entry_create(
                holder=holder,
                title="x",
                provider="p",
                earned_on=datetime.date(rng.choice([2025, 2026, 2026]), rng.randint(1, 12), 1),
                hours=Decimal(rng.choice(["1", "2", "3.5"])),
                source=rng.choice(SOURCES),
            )
        if rng.random() < 0.5:
            payment_fulfil(
                invoice_id=invoice.pk,
                amount_cents=invoice.total_cents,
                currency="usd",
                provider="stripe",
                payment_intent_id=f"pi_{invoice.pk}",
            )
        if rng.random() < 0.3:
            Submission.objects.create(
                holder=holder,
                cycle=cycle,
                invoice=invoice,
                cecs_owed=8,
                in_network_minimum=5,
                total_hours=8,
                in_network_hours=8,
                participation_hours=0,
                submitted_at=invoice.issued_at,
                submitted_by=holder.user,
                status=rng.choice(["pending", "approved"]),
                decided_at=invoice.issued_at,
            )
        if rng.random() < 0.2:
            holder.credentials.update(status=rng.choice(["grace", "lapsed"]))


def count_one_by_one(cycle):
    figures = dict.fromkeys(
        [
            "invoiced",
            "contact_confirmed",
            "paid",
            "enough_cecs",
            "submitted",
            "approved",
            "renewed",
            "in_grace",
            "lapsed",
            "waiver",
        ],
        0,
    )
    for invoice in RenewalInvoice.objects.filter(cycle=cycle).exclude(status="void"):
        holder = invoice.holder
        renewed_ids = invoice.lines.values_list("held_credential_id", flat=True)
        statuses = set(
            HeldCredential.objects.filter(pk__in=renewed_ids).values_list("status", flat=True)
        )
        subs = Submission.objects.filter(invoice=invoice)
        checks = {
            "invoiced": True,
            "contact_confirmed": ContactConfirmation.objects.filter(
                holder=holder, cycle_year=cycle.year
            ).exists(),
            "paid": invoice.status in ("paid", "waived"),
            "enough_cecs": cec_status(holder=holder, cycle=cycle, invoice=invoice).is_met,
            "submitted": subs.exists(),
            "approved": subs.filter(status="approved").exists(),
            "renewed": invoice.completed_at is not None,
            "in_grace": "grace" in statuses,
            "lapsed": "lapsed" in statuses,
            "waiver": holder.waivers.filter(cycle=cycle).exists(),
        }
        for key, value in checks.items():
            figures[key] += bool(value)
    return figures


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_agree_with_counting_row_by_row(cycle, seed):
    random_season(cycle, 25, seed)
    assert cycle_overview(cycle).figures == count_one_by_one(cycle)


def test_figures_count_by_the_invoices_window_after_staff_edit_the_cycle(cycle):
    ready = holder_with("CAM", "NALP")  # owes 8, 5 of them in-network
    entry_create(
        holder=ready,
        title="AASC class",
        provider="AASC",
        earned_on=datetime.date(2026, 6, 1),
        hours=Decimal(8),
        source=Source.AASC_CLASS,
    )
    random_season(cycle, 25, 5)
    # Staff move the cycle's earning window a year back after the invoices went out.
    cycle.cec_window_start = datetime.date(2025, 1, 1)
    cycle.cec_window_end = datetime.date(2025, 12, 31)
    cycle.save()
    figures = cycle_overview(cycle).figures
    assert figures == count_one_by_one(cycle)
    # 2026 CECs, the invoices' window, still count: `ready` at least.
    assert cec_status(holder=ready, cycle=cycle, invoice=ready.invoices.get()).is_met
    assert figures["enough_cecs"] >= 1
    assert annotated_invoices(cycle).filter(holder=ready, enough_cecs=True).exists()


def test_money_figures(cycle):
    random_season(cycle, 10, 4)
    invoices = RenewalInvoice.objects.filter(cycle=cycle)
    money = cycle_overview(cycle).money
    assert money["invoiced"] == sum(i.total_cents for i in invoices if not i.fee_waived)
    assert money["collected"] == sum(p.amount_cents for i in invoices for p in i.payments.all())
    assert money["outstanding"] == sum(i.total_cents for i in invoices if i.status == "open")


def test_query_count_is_the_same_for_few_or_many_holders(client, staff, cycle):
    client.force_login(staff)
    random_season(cycle, 3, 5)
    client.get(reverse("cycle_overview"))  # the session and current cycle are cached after it
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cycle_overview"))
    random_season(cycle, 30, 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("cycle_overview"))
    assert response.status_code == 200
    assert len(few) == len(many)


def test_staff_page_with_links_to_filtered_lists_and_csv(client, staff, cycle):
    random_season(cycle, 8, 7)
    client.force_login(staff)
    page = client.get(reverse("cycle_overview"), {"year": 2027})
    assert page.status_code == 200
    assert "<svg" in page.text
    assert 'role="img"' in page.text
    link = next(row["url"] for row in page.context["funnel"] if row["key"] == "paid")
    listed = client.get(link)
    assert listed.status_code == 200
    paid = cycle_overview(cycle).figures["paid"]
    assert listed.context["cl"].result_count == paid
    not_submitted = client.get(page.context["paid_not_submitted_url"])
    assert not_submitted.status_code == 200
    csv_response = client.get(page.context["csv_url"])
    assert f"2027,Paid or fee waived,{paid}" in csv_response.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "holder", "reviewer"])
def test_only_staff_see_the_overview(client, cycle, holder, reviewer, role):
    if role == "holder":
        client.force_login(holder.user)
    elif role == "reviewer":
        client.force_login(reviewer)
    response = client.get(reverse("cycle_overview"))
    assert response.status_code in (302, 403)
    assert "Holders by step" not in response.content.decode()


def test_send_a_reminder_by_hand_to_a_filtered_group(
    client, staff, cycle, mailoutbox, django_capture_on_commit_callbacks
):
    random_season(cycle, 6, 8)
    client.force_login(staff)
    page = client.get(reverse("cycle_overview"))
    listed = client.get(page.context["paid_not_submitted_url"])
    chosen = [str(invoice.pk) for invoice in listed.context["cl"].result_list]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:credentials_renewalinvoice_changelist"),
            {"action": "send_reminder_now", "_selected_action": chosen},
            follow=True,
        )
    assert f"A reminder is on its way to {len(chosen)} holder(s)." in response.text
    assert len(mailoutbox) == len(chosen)
