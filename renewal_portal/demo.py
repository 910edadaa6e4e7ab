"""A second demo holder for `make run`, mid-season: contact details confirmed, the invoice
paid (test mode), CECs from an AASC class and from one verified reporting form, so a
newcomer sees what a real account looks like beside the fresh one. Idempotent."""

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from cecs.classes.services import attendance_record
from cecs.models import AascClass, ReportingForm
from cecs.reporting.services import reporting_form_save, reporting_form_verify
from credentials.models import CredentialType, HeldCredential, RenewalInvoice
from credentials.services import credential_statuses_refresh, invoices_issue
from holders.demo import demo_account
from holders.models import HolderProfile, User
from holders.roles import HOLDERS
from holders.services import contact_confirm
from payments.models import Payment
from payments.services import CURRENCY, payment_fulfil

MIDSEASON_EMAIL = "midseason@demo.test"
MIDSEASON_HOLDER = {
    "first_name": "Jordan",
    "last_name": "Reyes",
    "phone": "+17195550188",
    "street": "2230 E Platte Ave",
    "city": "Colorado Springs",
    "state": "CO",
    "zip_code": "80909",
    "employer": "Front Range Communities",
    "job_title": "Leasing Manager",
    "member_number": "D0000002",
}


def _class_day(cycle, today):
    """A past day inside the cycle's earning window, for the class and the Expo form."""
    day = min(cycle.cec_window_end, today) - datetime.timedelta(days=45)
    return max(day, cycle.cec_window_start)


@transaction.atomic
def seed_demo_midseason(*, cycle, now=None):
    """The mid-season holder of `cycle`; returns their email."""
    now = now or timezone.now()
    staff = User.objects.get(email="staff@demo.test")
    user = demo_account(MIDSEASON_EMAIL, group=HOLDERS, is_staff=False)
    holder, _ = HolderProfile.objects.update_or_create(
        email=MIDSEASON_EMAIL, defaults={"user": user, **MIDSEASON_HOLDER}
    )
    HeldCredential.objects.get_or_create(
        holder=holder,
        credential_type=CredentialType.objects.get(code="CAM"),
        defaults={
            "number": "CAM-118402",
            "earned_on": datetime.date(2021, 3, 5),
            "expires_on": datetime.date(cycle.year - 1, 12, 31),
        },
    )
    invoices_issue(cycle=cycle)
    credential_statuses_refresh(cycle=cycle)
    invoice = RenewalInvoice.objects.get(holder=holder, cycle=cycle)
    contact_confirm(holder=holder, cycle_year=cycle.year, actor=user, now=now)
    if invoice.is_payable and not Payment.objects.filter(invoice=invoice).exists():
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
    day = _class_day(cycle, timezone.localdate(now))
    _attended_class(holder=holder, day=day, staff=staff, now=now)
    _verified_form(holder=holder, day=day - datetime.timedelta(days=14), staff=staff, now=now)
    return MIDSEASON_EMAIL


def _attended_class(*, holder, day, staff, now):
    starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
    aasc_class, _ = AascClass.objects.get_or_create(
        title="Maintenance Budgets That Hold",
        defaults={
            "held_on": day,
            "starts_at": starts_at,
            "ends_at": starts_at + datetime.timedelta(hours=3, minutes=30),
            "instructor": "Pat Rivera",
            "hours": 3,
            "location": "AASC office, 102 S Tejon St, Colorado Springs",
            "seats": 20,
            "published": True,
        },
    )
    attendance_record(aasc_class=aasc_class, holder=holder, actor=staff, now=now)


def _verified_form(*, holder, day, staff, now):
    if ReportingForm.objects.filter(holder=holder).exists():
        return
    form = reporting_form_save(
        holder=holder,
        form_data={
            "activity_type": "expo_class",
            "title": "Expo: Resident Retention in a Soft Market",
            "organisation": "AASC Expo",
            "date_from": day,
            "date_to": None,
            "start_time": datetime.time(10, 0),
            "end_time": datetime.time(12, 0),
            "gross_hours": None,
            "break_minutes": 0,
            "time_zone": "America/Denver",
            "description": "Expo education session on keeping residents.",
        },
        actor=holder.user,
        submit=True,
        now=now,
    )
    reporting_form_verify(form=form, actor=staff, signer_name="AASC education desk", now=now)
