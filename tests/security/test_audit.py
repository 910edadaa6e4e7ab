import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cecs.ledger.services import entry_correct, entry_create
from cecs.models import Source
from credentials.models import RenewalInvoice
from credentials.services import cycle_get_or_create, invoices_issue, waiver_grant
from payments.services import payment_fulfil
from tests.factories import holder_with

pytestmark = pytest.mark.django_db


def test_staff_see_every_change_about_a_holder_with_who_and_when(client, staff, reviewer):
    cycle = cycle_get_or_create(year=2027)
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    invoice = RenewalInvoice.objects.get(holder=holder)
    holder.city = "Pueblo"
    holder._history_user = holder.user
    holder.save()
    waiver_grant(
        holder=holder,
        cycle=cycle,
        waive_fee=False,
        waive_cecs=True,
        reason="Deployed",
        actor=staff,
    )
    entry = entry_create(
        holder=holder,
        title="Class",
        provider="AASC",
        earned_on=datetime.date(2026, 5, 1),
        hours=Decimal(8),
        source=Source.AASC_CLASS,
    )
    entry_correct(entry=entry, changes={"hours": Decimal(7)}, note="Left early", actor=staff)
    payment_fulfil(
        invoice_id=invoice.pk,
        amount_cents=invoice.total_cents,
        currency="usd",
        provider="stripe",
        payment_intent_id="pi_audit",
    )

    client.force_login(staff)
    page = client.get(reverse("holder_audit", args=[holder.pk]))
    assert page.status_code == 200
    kinds = {row["kind"] for row in page.context["rows"]}
    assert {"Contact details", "Invoice", "Waiver", "CEC entry", "Payment", "Credential"} <= kinds
    reasons = [row["reason"] for row in page.context["rows"]]
    assert "Left early" in reasons
    assert "waiver: Deployed" in reasons
    assert staff.email in page.text
    assert holder.user.email in page.text

    change = client.get(reverse("admin:holders_holderprofile_change", args=[holder.pk]))
    assert reverse("holder_audit", args=[holder.pk]) in change.text


def test_only_staff_with_holder_access_see_the_audit(client, holder, other_holder):
    url = reverse("holder_audit", args=[other_holder.pk])
    assert client.get(url).status_code == 302
    client.force_login(holder.user)
    assert client.get(url).status_code == 302
