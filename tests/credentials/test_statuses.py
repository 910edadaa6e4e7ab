import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from credentials.models import HeldCredential, RenewalInvoice
from credentials.services import (
    credential_reinstate,
    credential_statuses_refresh,
    invoice_record_cecs_approved,
    invoices_issue,
)
from tests.factories import holder_with

pytestmark = pytest.mark.django_db


def status_of(holder):
    return holder.credentials.get().status


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (datetime.date(2026, 10, 31), HeldCredential.Status.ACTIVE),  # season not started
        (datetime.date(2026, 11, 26), HeldCredential.Status.DUE),
        (datetime.date(2027, 1, 1), HeldCredential.Status.GRACE),
        (datetime.date(2027, 3, 31), HeldCredential.Status.GRACE),
        (datetime.date(2027, 4, 1), HeldCredential.Status.LAPSED),
    ],
)
def test_statuses_follow_the_cycle_calendar(cycle, today, status):
    holder = holder_with("CAM")
    credential_statuses_refresh(cycle=cycle, today=today)
    assert status_of(holder) == status


def test_credentials_renewed_in_time_never_lapse(cycle):
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    invoice = RenewalInvoice.objects.get(holder=holder)
    invoice.status = RenewalInvoice.Status.PAID
    invoice.save()
    invoice_record_cecs_approved(invoice=invoice)
    credential_statuses_refresh(cycle=cycle, today=datetime.date(2027, 4, 1))
    assert status_of(holder) == HeldCredential.Status.ACTIVE


def test_lapsing_is_kept_in_history(cycle):
    holder = holder_with("CAM")
    credential_statuses_refresh(cycle=cycle, today=datetime.date(2027, 4, 1))
    latest = holder.credentials.get().history.first()
    assert latest.status == HeldCredential.Status.LAPSED
    assert latest.history_change_reason == "lapsed on 2027-04-01 (2027 cycle)"


def test_staff_reinstate_a_lapsed_credential_and_it_stays_reinstated(cycle, staff, client):
    holder = holder_with("CAM")
    credential_statuses_refresh(cycle=cycle, today=datetime.date(2027, 4, 1))
    credential = holder.credentials.get()

    client.force_login(staff)
    client.post(
        reverse("admin:credentials_heldcredential_changelist"),
        {"action": "reinstate", "_selected_action": [credential.pk]},
    )
    credential.refresh_from_db()
    assert credential.status == HeldCredential.Status.GRACE
    assert credential.history.first().history_user == staff

    credential_statuses_refresh(cycle=cycle, today=datetime.date(2027, 4, 2))
    credential.refresh_from_db()
    assert credential.status == HeldCredential.Status.GRACE


def test_only_lapsed_credentials_can_be_reinstated(cycle, staff):
    holder = holder_with("CAM")
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError, match="not lapsed"):
        credential_reinstate(credential=holder.credentials.get(), actor=staff, reason="x")


def test_daily_command_reports_what_changed(cycle, capsys):
    holder_with("CAM")
    call_command("refresh_credential_statuses")
    assert "2027 cycle: 1 now due." in capsys.readouterr().out
