"""Proof of renewal in a real browser: NAAEI approves the demo holder's CECs (their invoice
is paid), the renewal completes, the dashboard says until when each credential is valid,
the holder downloads a renewal card, and the address in its QR code opens the public
verification page with the same status."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.credentials.test_renewal_card import qr_codes_in
from tests.pdf import pdf_text

from .a11y import assert_no_blocking_axe_violations
from .test_submission_review import (  # noqa: F401 (fixtures)
    earned_cecs,
    pending_submission,
    ready_to_submit,
    reviewer_approves,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOLDER_EMAIL = "holder@demo.test"
DASHBOARD_PATH = reverse("dashboard")
CAM = "CAM renewed, valid through December 31, 2027"
NALP = "NALP renewed, valid through December 31, 2027"


def proof_panel(page):
    return page.get_by_role("region", name="Proof of renewal")


@pytest.fixture
def renewed(page, live_server, log_in, reviewer_page, pending_submission, earned_cecs, settings):  # noqa: F811
    """The reviewer approves in their browser; the holder is signed in on the dashboard."""
    settings.SITE_URL = live_server.url  # the card's address points at this server
    log_in(HOLDER_EMAIL)
    expect(page).to_have_url(f"{live_server.url}{DASHBOARD_PATH}")
    expect(proof_panel(page)).to_have_count(0)
    reviewer_approves(reviewer_page, live_server, earned_cecs)
    page.reload()
    return page


def test_the_holder_downloads_a_card_whose_qr_code_verifies_the_renewal(
    renewed, live_server, tmp_path, mailoutbox
):
    page = renewed
    expect(
        page.get_by_role("status").filter(has_text="Your 2027 renewal is complete.")
    ).to_be_visible()
    panel = proof_panel(page)
    expect(panel.get_by_role("listitem").locator("span:not(.visually-hidden)")).to_have_text(
        [CAM, NALP]
    )

    with page.expect_download() as download_info:
        panel.get_by_role("link", name="Download renewal card for CAM (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "renewal-card-CAM-CAM-104233.pdf"
    download.save_as(tmp_path / "downloaded.pdf")
    pdf = (tmp_path / "downloaded.pdf").read_bytes()
    text = pdf_text(pdf, tmp_path)
    assert "Dana Holder" in text
    assert "No. CAM-104233" in text
    assert "Renewed, valid through December 31, 2027" in text

    (url,) = qr_codes_in(pdf, tmp_path)
    assert url.startswith(f"{live_server.url}/credentials/verify/")
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify an NAAEI credential")
    result = page.locator("main section").filter(
        has=page.get_by_role("heading", name="Result", level=2)
    )
    expect(result.locator("dd")).to_have_text(
        [
            "Dana Holder",
            "CAM: Certified Apartment Manager",
            "CAM-104233",
            "Renewed, valid through December 31, 2027",
            "December 31, 2027",
        ]
    )
    assert_no_blocking_axe_violations(page)

    # The completion email (NAAEI's approval, the invoice being paid) says it too.
    assert f"{CAM}; {NALP}." in mailoutbox[-1].body


def test_the_dashboards_proof_of_renewal_has_no_serious_axe_violations(renewed):
    expect(proof_panel(renewed)).to_be_visible()
    assert_no_blocking_axe_violations(renewed)
