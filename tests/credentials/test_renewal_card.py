"""Proof of renewal: the valid-through wording, the renewal card (PDF with a QR code) and
the public verification page its QR code opens."""

import datetime
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from credentials.models import HeldCredential, RenewalInvoice
from credentials.selectors import credential_standing, with_renewal_year
from credentials.services import invoices_issue, renewal_complete_if_ready
from credentials.verification import verification_path, verification_url
from tests.factories import holder_with
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db

SEASON_DAY = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("America/Denver"))


@pytest.fixture(autouse=True)
def _in_the_season(time_machine):
    time_machine.move_to(SEASON_DAY, tick=False)


def renewed_holder(cycle, *codes, **fields):
    """A holder whose 2027 renewal completed: paid, CECs waived."""
    holder = holder_with(*codes, **fields)
    invoices_issue(cycle=cycle)
    invoice = RenewalInvoice.objects.get(holder=holder)
    invoice.status = RenewalInvoice.Status.PAID
    invoice.cecs_waived = True
    invoice.save()
    assert renewal_complete_if_ready(invoice=invoice)
    return holder


def standing_of(credential):
    return credential_standing(
        credential=with_renewal_year(HeldCredential.objects).get(pk=credential.pk)
    )


def card_url(credential):
    return reverse("credentials:renewal_card", args=[credential.pk])


# --- The wording, from the data ----------------------------------------------------------


def test_a_completed_renewal_reads_renewed_valid_through_the_new_expiry(cycle):
    holder = renewed_holder(cycle, "CAM", "NALP")
    summaries = [standing_of(c).summary for c in holder.credentials.all()]
    assert summaries == [
        "CAM renewed, valid through December 31, 2027",
        "NALP renewed, valid through December 31, 2027",
    ]


def test_the_date_is_the_credentials_own(cycle):
    holder = holder_with("CAM", expires_on=datetime.date(2031, 6, 30))
    standing = standing_of(holder.credentials.get())
    assert standing.text == "Active, valid through June 30, 2031"
    assert not standing.renewed
    assert standing.card_available


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (HeldCredential.Status.DUE, "Due for renewal"),
        (HeldCredential.Status.GRACE, "In grace period"),
        (HeldCredential.Status.LAPSED, "Lapsed"),
    ],
)
def test_not_renewed_credentials_say_so_and_have_no_card(cycle, status, text):
    credential = holder_with("CAM").credentials.get()
    credential.status = status
    credential.save()
    standing = standing_of(credential)
    assert standing.text == text
    assert not standing.card_available
    assert standing.card_refusal


def test_the_dashboard_says_until_when_and_links_each_card(client, cycle):
    holder = renewed_holder(cycle, "CAM", "NALP")
    client.force_login(holder.user)
    page = client.get(reverse("dashboard")).text
    assert "CAM renewed, valid through December 31, 2027" in page
    assert "NALP renewed, valid through December 31, 2027" in page
    for credential in holder.credentials.all():
        assert card_url(credential) in page


def test_the_dashboard_offers_no_card_before_the_renewal(client, cycle):
    holder = holder_with("CAM")
    invoices_issue(cycle=cycle)
    HeldCredential.objects.update(status=HeldCredential.Status.DUE)
    client.force_login(holder.user)
    page = client.get(reverse("dashboard")).text
    assert card_url(holder.credentials.get()) not in page
    assert "valid through" not in page


# --- The card -----------------------------------------------------------------------------


@pytest.fixture
def renewed(cycle):
    holder = renewed_holder(cycle, "CAM", first_name="Jordan", last_name="Baptiste")
    return holder.credentials.get()


def test_the_card_names_the_holder_credential_and_valid_through(client, renewed, tmp_path):
    client.force_login(renewed.holder.user)
    response = client.get(card_url(renewed))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="renewal-card-CAM-{renewed.number}.pdf"'
    )
    text = pdf_text(response.content, tmp_path)
    assert "Apartment Association of Southern Colorado" in text
    assert "Jordan Baptiste" in text
    assert "Certified Apartment Manager (CAM)" in text
    assert f"No. {renewed.number}" in text
    assert "Renewed, valid through December 31, 2027" in text
    assert "CAM renewed, valid through December 31, 2027" in text  # the letter
    # The verification address in text, as the QR code has it. pdftotext may break it over
    # lines, and drops a "-" that ends a line as if it were hyphenation: compare without.
    url = verification_url(credential_id=renewed.pk)
    assert url.replace("-", "") in text.replace(" ", "").replace("-", "")


def qr_codes_in(pdf, tmp_path):
    """Every QR code in the PDF's pages, decoded from a 300 dpi rendering (poppler, zxing)."""
    (tmp_path / "card.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", str(tmp_path / "card.pdf"), str(tmp_path / "page")],
        check=True,
    )
    found = []
    for png in sorted(tmp_path.glob("page*.png")):
        found += [code.text for code in zxingcpp.read_barcodes(Image.open(png))]
    return found


def test_the_qr_code_opens_that_credentials_verification_page(client, renewed, tmp_path):
    client.force_login(renewed.holder.user)
    pdf = client.get(card_url(renewed)).content
    url = verification_url(credential_id=renewed.pk)
    assert qr_codes_in(pdf, tmp_path) == [url]

    path = url.removeprefix(re.match(r"https?://[^/]+", url).group(0))
    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "Jordan Baptiste" in page.text
    assert "Renewed, valid through December 31, 2027" in page.text


def test_another_holders_card_is_a_404(client, renewed):
    someone_else = holder_with("CAM")
    client.force_login(someone_else.user)
    assert client.get(card_url(renewed)).status_code == 404


def test_staff_without_a_holder_record_get_a_404(client, renewed, staff):
    client.force_login(staff)
    assert client.get(card_url(renewed)).status_code == 404


def test_a_card_is_refused_with_a_message_until_the_credential_is_renewed(client, cycle):
    holder = holder_with("CAM")
    credential = holder.credentials.get()
    credential.status = HeldCredential.Status.DUE
    credential.save()
    client.force_login(holder.user)
    response = client.get(card_url(credential), follow=True)
    assert response.redirect_chain == [(reverse("dashboard"), 302)]
    assert response["Content-Type"].startswith("text/html")
    assert (
        "Your CAM is due for renewal, so there is no renewal card for it yet. Finish the steps "
        "of your renewal; the card is ready as soon as the renewal is complete."
    ) in response.text


# --- The verification address -------------------------------------------------------------


def test_the_address_cannot_be_made_from_the_number_or_the_id(client, cycle):
    holder = renewed_holder(cycle, "CAM", "NALP")
    cam, nalp = holder.credentials.all()
    cam_path = verification_path(credential_id=cam.pk)
    signature = cam_path.rstrip("/").rsplit("/", 1)[1]
    assert cam.number not in cam_path
    assert len(signature) >= 20
    # Another credential's id with this card's signature, the number in place of the
    # signature, or a changed signature: all 404, and nothing about the holder.
    for path in (
        reverse("credentials:verify_credential", args=[nalp.pk, signature]),
        reverse("credentials:verify_credential", args=[cam.pk, cam.number]),
        reverse("credentials:verify_credential", args=[cam.pk, signature[:-1] + "A"]),
        reverse("credentials:verify_credential", args=[cam.pk + 1000, signature]),
    ):
        if path == cam_path:
            continue
        response = client.get(path)
        assert response.status_code == 404, path
        assert holder.last_name not in response.text
    assert client.get(cam_path).status_code == 200


def test_the_card_page_counts_against_the_lookup_limit(client, renewed):
    path = verification_path(credential_id=renewed.pk)
    for _ in range(30):
        assert client.get(path).status_code == 200
    blocked = client.get(path)
    assert blocked.status_code == 429
    assert "Too many lookups" in blocked.text
    assert "Baptiste" not in blocked.text


def test_the_typed_lookup_shows_the_same_status_as_the_card(client, renewed):
    typed = client.get(
        reverse("credentials:verify"), {"number": renewed.number, "last_name": "Baptiste"}
    )
    assert "Renewed, valid through December 31, 2027" in typed.text
