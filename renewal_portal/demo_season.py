"""A season in progress for `make run`'s demo: 60 holders spread over the renewal's states
(invoiced, paid, forms waiting, submitted, approved and complete, rejected, fee waived,
emeritus, lapsed), so the season overview and the admin's work queues show real shapes.
Made through the services, as staff and holders would; idempotent (it skips holders it
has made already)."""

import datetime
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cecs.ledger.services import entry_create
from cecs.models import Source
from cecs.reporting.services import reporting_form_save
from cecs.submissions.services import submission_approve, submission_create, submission_reject
from credentials.models import CredentialType, HeldCredential, RenewalInvoice
from credentials.services import emeritus_grant, invoices_issue, waiver_grant
from holders.models import HolderProfile, User
from holders.services import contact_confirm
from payments.models import Payment
from payments.services import CURRENCY, payment_fulfil

FIRST_NAMES = [
    "Avery",
    "Blake",
    "Casey",
    "Devon",
    "Emerson",
    "Finley",
    "Harper",
    "Jules",
    "Kendall",
    "Logan",
    "Morgan",
    "Parker",
    "Quinn",
    "Reese",
    "Sawyer",
]
LAST_NAMES = ["Alvarez", "Brooks", "Chen", "Dawson", "Ellis", "Foster", "Garcia", "Hughes"]
CODES = ["CAM", "CAM", "CAM", "NALP", "CAPS", "CAS"]

# How many holders end in each state, in this order (60 in all).
PLAN = [
    ("invoiced", 12),  # the invoice is out; nothing done yet
    ("paid", 9),  # paid, CECs still to earn
    ("forms_waiting", 6),  # paid, an Expo form waiting for AASC
    ("submitted", 8),  # paid, CECs submitted, NAAEI reviewing
    ("complete", 10),  # paid and approved
    ("approved_unpaid", 3),
    ("rejected", 3),
    ("waived", 3),  # fee waived by AASC
    ("emeritus", 2),
    ("lapsed", 4),  # did not renew last year
]


def _email(index):
    return f"season{index:02d}@demo.test"


def _holder(index):
    email = _email(index)
    user = User.objects.filter(email=email).first() or User.objects.create_user(email)
    holder, _ = HolderProfile.objects.get_or_create(
        email=email,
        defaults={
            "user": user,
            "first_name": FIRST_NAMES[index % len(FIRST_NAMES)],
            "last_name": LAST_NAMES[index % len(LAST_NAMES)],
            "city": "Colorado Springs",
            "state": "CO",
            "zip_code": "80903",
            "member_number": f"S{index:07d}",
        },
    )
    return holder


def _credential(holder, index, *, expires_on, status=None):
    code = CODES[index % len(CODES)]
    HeldCredential.objects.get_or_create(
        holder=holder,
        credential_type=CredentialType.objects.get(code=code),
        defaults={
            "number": f"{code}-9{index:05d}",
            "earned_on": datetime.date(2018, 1 + index % 12, 1 + index % 27),
            "expires_on": expires_on,
            "status": status or HeldCredential.Status.DUE,
        },
    )


def _pay(invoice, now):
    payment_fulfil(
        invoice_id=invoice.pk,
        amount_cents=invoice.total_cents,
        currency=CURRENCY,
        provider=Payment.Provider.TEST_MODE,
        payment_intent_id=f"test_mode_{uuid.uuid4().hex}",
        card_brand="visa",
        card_last4="4242",
        now=now,
    )


def _earn(holder, cycle, hours):
    entry_create(
        holder=holder,
        title="Fair Housing Essentials",
        provider="AASC",
        earned_on=cycle.cec_window_end - datetime.timedelta(days=60),
        hours=Decimal(hours),
        source=Source.AASC_CLASS,
    )


def _expo_form(holder, cycle, now):
    day = min(cycle.cec_window_end, timezone.localdate(now)) - datetime.timedelta(days=30)
    reporting_form_save(
        holder=holder,
        form_data={
            "activity_type": "expo_class",
            "title": "Expo: Marketing to Renters",
            "organisation": "AASC Expo",
            "date_from": max(day, cycle.cec_window_start),
            "date_to": None,
            "start_time": None,
            "end_time": None,
            "gross_hours": Decimal(2),
            "break_minutes": 0,
            "time_zone": "America/Denver",
            "description": "Expo education session.",
        },
        actor=holder.user,
        submit=True,
        now=now,
    )


@transaction.atomic
def seed_demo_season(*, cycle, staff, reviewer, now=None):
    """Returns how many holders it made (0 when the season is there already)."""
    now = now or timezone.now()
    if HolderProfile.objects.filter(email=_email(0)).exists():
        return 0
    renews = datetime.date(cycle.year - 1, 12, 31)
    states = [state for state, count in PLAN for _ in range(count)]
    holders = {}
    for index, state in enumerate(states):
        holder = holders[index] = _holder(index)
        if state == "lapsed":  # expired a year earlier and never renewed
            _credential(
                holder,
                index,
                expires_on=renews.replace(year=renews.year - 1),
                status=HeldCredential.Status.LAPSED,
            )
            continue
        _credential(holder, index, expires_on=renews)
        if state == "waived":
            waiver_grant(
                holder=holder,
                cycle=cycle,
                waive_fee=True,
                waive_cecs=False,
                reason="Between jobs this season",
                actor=staff,
                now=now,
            )
        if state == "emeritus":
            emeritus_grant(
                holder=holder,
                since_year=cycle.year,
                reason="Retired after 30 years",
                actor=staff,
                now=now,
            )
    invoices_issue(cycle=cycle, actor=staff, now=now)
    for index, state in enumerate(states):
        holder = holders[index]
        invoice = RenewalInvoice.objects.filter(holder=holder, cycle=cycle).first()
        if invoice is None:
            continue
        if state != "invoiced":
            contact_confirm(holder=holder, cycle_year=cycle.year, actor=holder.user, now=now)
        if state in ("paid", "forms_waiting", "submitted", "complete", "rejected"):
            _pay(invoice, now)
        if state == "forms_waiting":
            _earn(holder, cycle, 3)
            _expo_form(holder, cycle, now)
        if state in ("submitted", "complete", "approved_unpaid", "rejected"):
            _earn(holder, cycle, invoice.cecs_owed or 8)
            submission = submission_create(holder=holder, cycle=cycle, actor=holder.user, now=now)
            if state in ("complete", "approved_unpaid"):
                submission_approve(submission=submission, reviewer=reviewer, now=now)
            elif state == "rejected":
                submission_reject(
                    submission=submission,
                    reviewer=reviewer,
                    reason="The class dates do not match the provider's roster.",
                    now=now,
                )
    return len(states)
