"""`make run`'s demo: beside the fresh holder, one mid-season (contact details confirmed,
the invoice paid, CECs from an AASC class and a verified form), loaded again unchanged."""

import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from cecs.models import CecEntry, ReportingForm, Submission
from credentials.models import EmeritusStatus, HeldCredential, RenewalInvoice
from holders.models import ContactConfirmation, HolderProfile
from payments.models import Payment

pytestmark = pytest.mark.django_db

# In the 2027 renewal's season, as the browser tests' demo (tests/e2e/conftest.py).
RENEWAL_SEASON_DAY = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("America/Denver"))


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    with time_machine.travel(RENEWAL_SEASON_DAY, tick=False):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()


def midseason():
    return HolderProfile.objects.get(email="midseason@demo.test")


def test_the_midseason_holder_has_confirmed_paid_and_earned_some_cecs(seeded):
    holder = midseason()
    invoice = RenewalInvoice.objects.get(holder=holder)
    assert invoice.status == RenewalInvoice.Status.PAID
    assert Payment.objects.filter(invoice=invoice, provider=Payment.Provider.TEST_MODE).count() == 1
    assert ContactConfirmation.objects.filter(holder=holder, cycle_year=invoice.cycle.year).exists()
    entries = CecEntry.objects.filter(holder=holder, status=CecEntry.Status.COUNTED)
    assert sorted(entries.values_list("hours", flat=True)) == [Decimal(2), Decimal(3)]
    assert entries.filter(attendance__isnull=False).count() == 1  # the AASC class
    assert ReportingForm.objects.get(holder=holder).status == ReportingForm.Status.VERIFIED
    assert "midseason@demo.test" in seeded
    # The fresh holder is untouched.
    fresh = HolderProfile.objects.get(email="holder@demo.test")
    assert not CecEntry.objects.filter(holder=fresh).exists()
    assert RenewalInvoice.objects.get(holder=fresh).status == RenewalInvoice.Status.OPEN


def test_loading_the_demo_again_changes_nothing(seeded, settings):
    with time_machine.travel(RENEWAL_SEASON_DAY, tick=False):
        call_command("seed_demo", stdout=StringIO())
    holder = midseason()
    assert Payment.objects.filter(invoice__holder=holder).count() == 1
    assert CecEntry.objects.filter(holder=holder).count() == 2
    assert ReportingForm.objects.filter(holder=holder).count() == 1


def test_the_midseason_dashboard_shows_two_steps_done_and_5_cecs(seeded, client):
    client.force_login(midseason().user)
    with time_machine.travel(RENEWAL_SEASON_DAY, tick=False):
        page = client.get(reverse("dashboard"))
    assert "Paid. Thank you." in page.text
    assert "Confirmed on" in page.text
    assert "(5 of 8 so far)" in page.text


def test_the_demo_holds_a_season_in_every_state(seeded):
    season = HolderProfile.objects.filter(email__startswith="season")
    assert season.count() == 60
    invoices = RenewalInvoice.objects.filter(holder__in=season)
    statuses = set(invoices.values_list("status", flat=True))
    assert {RenewalInvoice.Status.OPEN, RenewalInvoice.Status.PAID} <= statuses
    assert invoices.filter(fee_waived=True).exists()
    assert invoices.filter(completed_at__isnull=False).count() == 10
    submissions = set(Submission.objects.filter(holder__in=season).values_list("status", flat=True))
    assert submissions == {"pending", "approved", "rejected"}
    assert ReportingForm.objects.filter(holder__in=season, status="submitted").count() == 6
    assert HeldCredential.objects.filter(holder__in=season, status="lapsed").count() == 4
    assert EmeritusStatus.objects.filter(holder__in=season).count() == 2
    assert "60 more holders in every state" in seeded
