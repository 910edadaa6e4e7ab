import pytest
from django.urls import reverse

from credentials.models import RenewalInvoice
from credentials.services import invoices_issue
from tests.factories import holder_with
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(cycle):
    holder = holder_with("CAM", "NALP", last_name="Alvarez")
    invoices_issue(cycle=cycle)
    return RenewalInvoice.objects.get(holder=holder)


def test_holder_sees_their_invoice_with_cecs_owed(client, invoice):
    client.force_login(invoice.holder.user)
    page = client.get(reverse("payments:invoice", args=[invoice.number]))
    assert page.status_code == 200
    assert "$220.00" in page.text
    assert "CECs owed: 8</strong>" in page.text
    assert "calendar year 2026" in page.text
    assert "At least 5 must come from NAA, NAAEI or your local association." in page.text


@pytest.mark.parametrize("view", ["payments:invoice", "credentials:invoice_pdf"])
def test_another_holders_invoice_is_not_found(client, invoice, view):
    intruder = holder_with("CAM")
    client.force_login(intruder.user)
    response = client.get(reverse(view, args=[invoice.number]))
    assert response.status_code == 404
    assert invoice.holder.last_name not in response.text


def test_anonymous_is_sent_to_log_in(client, invoice):
    response = client.get(reverse("payments:invoice", args=[invoice.number]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_invoice_pdf_contains_the_total_and_cecs_owed(client, invoice, tmp_path):
    client.force_login(invoice.holder.user)
    response = client.get(reverse("credentials:invoice_pdf", args=[invoice.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content, tmp_path)
    assert "Apartment Association of Southern Colorado" in text
    assert "Alvarez" in text
    assert "$220.00" in text
    assert "CECs owed: 8" in text
    assert "calendar year 2026" in text
    assert "January 1, 2027" in text
