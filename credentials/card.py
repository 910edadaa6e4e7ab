"""The renewal card: a letter page with a wallet-size card to cut out, as a PDF, whose QR
code opens the public verification page for that one credential."""

import segno
from django.utils import timezone

from core.pdf import render_pdf

from .selectors import credential_standing
from .verification import verification_url


def qr_data_uri(url):
    """The QR code of `url` as an SVG data URI (segno; error correction M, quiet zone 4)."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=4, dark="#000")


def renewal_card_context(*, credential, today=None):
    url = verification_url(credential_id=credential.pk)
    return {
        "credential": credential,
        "holder": credential.holder,
        "standing": credential_standing(credential=credential, today=today),
        "verification_url": url,
        "qr": qr_data_uri(url),
        "issued_on": today or timezone.localdate(),
    }


def renewal_card_pdf(*, credential, today=None):
    return render_pdf(
        "pdf/renewal_card.html", renewal_card_context(credential=credential, today=today)
    )
