"""Every URL pattern of the project x every role: the status each must get.

The walk reads the URLconf, so a new page cannot be forgotten: a named pattern of our
own without an expectation below fails the test. The admin and allauth patterns follow
rules (never open to anonymous users or holders; never a server error)."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cecs.classes.reservations import calendar_feed_get_or_create, reservation_create
from cecs.classes.services import attendance_record
from cecs.ledger.services import entry_create
from cecs.models import ReportingForm, Source
from cecs.submissions.services import submission_create
from credentials.models import HeldCredential, RenewalInvoice
from credentials.services import cycle_get_or_create, invoices_issue
from credentials.verification import verification_signature
from holders.record_claims import record_claim_token
from holders.services import email_confirmation_token, holder_email_change_request
from payments.services import payment_fulfil
from tests.factories import (
    AascClassFactory,
    HolderProfileFactory,
    ReportingFormFactory,
    holder_with,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "holder", "other_holder", "staff", "reviewer")
LOGIN = "login"  # a redirect to a log-in page

# GET status per role for each of our named patterns; objects belong to "holder".
OWN = {"anonymous": LOGIN, "holder": 200, "other_holder": 404, "staff": 404, "reviewer": 404}
OWN_LIST = {"anonymous": LOGIN, "holder": 200, "other_holder": 200, "staff": 404, "reviewer": 404}
REVIEW = {"anonymous": LOGIN, "holder": 404, "other_holder": 404, "staff": 403, "reviewer": 200}
POST_ONLY = {"anonymous": LOGIN, "holder": 405, "other_holder": 405, "staff": 405, "reviewer": 405}
PUBLIC = dict.fromkeys(ROLES, 200)

EXPECTED = {
    "home": {"anonymous": 200, "holder": 302, "other_holder": 302, "staff": 302, "reviewer": 302},
    "health": PUBLIC,
    "dashboard": OWN_LIST,
    "holders:profile": OWN_LIST,
    # The owner's link; another holder's account is refused with a message (400).
    "holders:email_confirm": {**OWN, "other_holder": 400},
    "holders:email_resend": {**POST_ONLY, "staff": 404, "reviewer": 404},
    "holders:email_cancel": {**POST_ONLY, "staff": 404, "reviewer": 404},
    # Find my record: for an account whose record holds nothing yet (these hold credentials,
    # so they are sent back with a message; the link is refused for them).
    "holders:claim": {**OWN_LIST, "holder": 302, "other_holder": 302},
    "holders:claim_sent": OWN_LIST,
    "holders:claim_confirm": {**OWN, "holder": 400, "other_holder": 400},
    "payments:invoice": OWN,
    "credentials:invoice_pdf": OWN,
    "credentials:verify": PUBLIC,
    "help_contact": PUBLIC,
    "help_faq": PUBLIC,
    "help_requirements": PUBLIC,
    "help_what_counts": PUBLIC,
    "credentials:verify_credential": PUBLIC,  # the signed address on a renewal card
    "credentials:renewal_card": OWN,
    "cecs:status": OWN_LIST,
    "cecs:history": OWN_LIST,
    "cecs:transcript_pdf": OWN_LIST,
    "cecs:transcript_csv": OWN_LIST,
    "cecs:certificate": OWN,
    "cecs:submit": OWN_LIST,
    "cecs:forms": OWN_LIST,
    "cecs:form_new": OWN_LIST,
    "cecs:form_edit": OWN,
    "cecs:form_submit": {**POST_ONLY, "staff": 404, "reviewer": 404},
    "cecs:form_remove": OWN,  # the confirmation page (the form is waiting for AASC)
    "cecs:form_upload": {**OWN, "staff": 200, "reviewer": 200},
    "cecs:review_queue": REVIEW,
    "cecs:review_detail": REVIEW,
    "cecs:review_approve": {**REVIEW, "reviewer": 405},
    "cecs:review_reject": {**REVIEW, "reviewer": 405},
    "cecs:decisions_csv": REVIEW,
    "cecs:classes": OWN_LIST,
    "cecs:calendar_download": OWN_LIST,
    "cecs:class_reserve": {**POST_ONLY, "staff": 404, "reviewer": 404},
    "cecs:reservation_cancel": {**POST_ONLY, "staff": 404, "reviewer": 404},
    "cecs:calendar_feed_reset": {**POST_ONLY, "staff": 404, "reviewer": 404},
    "cecs:calendar_feed": PUBLIC,  # the unguessable token is the credential
    "payments:history": OWN_LIST,
    "payments:pay": dict.fromkeys(ROLES, 405),
    "payments:test_checkout": dict.fromkeys(ROLES, 404),  # only in the DEBUG demo
    "payments:paid": OWN,
    "payments:cancelled": OWN,
    "payments:receipt": OWN,
    "payments:stripe_webhook": dict.fromkeys(ROLES, 405),
}


def walk(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), prefix + str(entry.pattern)


@pytest.fixture
def world(client, staff, reviewer, private_media):
    cycle = cycle_get_or_create(year=2027)
    owner = holder_with("CAM", "NALP")
    other = holder_with("CAM")
    invoices_issue(cycle=cycle)
    invoice = RenewalInvoice.objects.get(holder=owner)
    attendance, _ = attendance_record(
        aasc_class=AascClassFactory(held_on=datetime.date(2026, 5, 1), hours=Decimal(8)),
        holder=owner,
        actor=staff,
    )
    form = ReportingFormFactory(holder=owner)
    form.upload.save("forms/x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    ReportingForm.objects.filter(pk=form.pk).update(upload=form.upload.name, upload_name="x.pdf")
    entry_create(
        holder=owner,
        title="t",
        provider="AASC",
        earned_on=datetime.date(2026, 6, 1),
        hours=Decimal(1),
        source=Source.AASC_CLASS,
    )
    submission = submission_create(holder=owner, cycle=cycle, actor=owner.user)
    payment = payment_fulfil(
        invoice_id=invoice.pk,
        amount_cents=invoice.total_cents,
        currency="usd",
        provider="stripe",
        payment_intent_id="pi_matrix",
    ).payment
    aasc_class = AascClassFactory(
        published=True,
        starts_at=timezone.now() + datetime.timedelta(days=20),
        location="AASC office",
        seats=10,
    )
    reservation = reservation_create(aasc_class=aasc_class, holder=owner)
    holder_email_change_request(holder=owner, email="owner.new@example.org", actor=owner.user)
    card = owner.credentials.first()  # valid for years, so its renewal card exists
    HeldCredential.objects.filter(pk=card.pk).update(expires_on=datetime.date(2099, 12, 31))
    kwargs = {
        "credentials:renewal_card": {"pk": card.pk},
        "credentials:verify_credential": {
            "pk": card.pk,
            "signature": verification_signature(credential_id=card.pk),
        },
        "cecs:class_reserve": {"pk": aasc_class.pk},
        "cecs:reservation_cancel": {"pk": reservation.pk},
        "cecs:calendar_feed": {"token": calendar_feed_get_or_create(holder=owner).token},
        "payments:invoice": {"number": invoice.number},
        "credentials:invoice_pdf": {"number": invoice.number},
        "cecs:transcript_pdf": {"year": 2026},
        "cecs:transcript_csv": {"year": 2026},
        "cecs:certificate": {"pk": attendance.cec_entry.pk},
        "cecs:form_edit": {"pk": form.pk},
        "holders:email_confirm": {
            "token": email_confirmation_token(holder=owner, email="owner.new@example.org")
        },
        "holders:claim_confirm": {
            "token": record_claim_token(
                account=owner.user,
                record=HolderProfileFactory(user=None, email="imported@example.org"),
            )
        },
        "cecs:form_submit": {"pk": form.pk},
        "cecs:form_remove": {"pk": form.pk},
        "cecs:form_upload": {"pk": form.pk},
        "cecs:review_detail": {"pk": submission.pk},
        "cecs:review_approve": {"pk": submission.pk},
        "cecs:review_reject": {"pk": submission.pk},
        "cecs:decisions_csv": {"year": 2027},
        "payments:pay": {"number": invoice.number},
        "payments:test_checkout": {"number": invoice.number},
        "payments:paid": {"number": invoice.number},
        "payments:cancelled": {"number": invoice.number},
        "payments:receipt": {"receipt_number": payment.receipt_number},
    }
    users = {"holder": owner.user, "other_holder": other.user, "staff": staff, "reviewer": reviewer}
    return kwargs, users


def status_for(client, users, role, url):
    client.logout()
    if role != "anonymous":
        client.force_login(users[role])
    response = client.get(url)
    if response.status_code == 302 and "/accounts/login/" in response.url:
        return LOGIN
    return response.status_code


def test_every_named_pattern_of_ours_has_an_expectation():
    ours = {
        name for name, route in walk() if name and not route.startswith(("admin/", "accounts/"))
    }
    assert ours - set(EXPECTED) == set(), "add the new URL names to EXPECTED"
    assert set(EXPECTED) - ours == set(), "remove URL names that no longer exist"


def test_the_matrix(client, world):
    kwargs, users = world
    table, wrong = [], []
    for name, expected in sorted(EXPECTED.items()):
        url = reverse(name, kwargs=kwargs.get(name, {}))
        for role in ROLES:
            got = status_for(client, users, role, url)
            table.append((name, role, got))
            if got != expected[role]:
                wrong.append(f"{name} as {role}: expected {expected[role]}, got {got}")
    print(f"\n{len(EXPECTED)} URL patterns x {len(ROLES)} roles = {len(table)} checks")
    assert wrong == [], "\n".join(wrong)


def test_admin_pages_are_never_open_to_anonymous_users_or_holders(client, world):
    _, users = world
    checked = 0
    for _name, route in walk():
        if not route.startswith("admin/") or "<" in route:
            continue
        url = "/" + route.replace("^", "").replace("$", "")
        for role in ("anonymous", "holder"):
            got = status_for(client, users, role, url)
            assert got in (LOGIN, 302, 403, 404), f"{url} as {role}: {got}"
            checked += 1
        for role in ("staff", "reviewer"):
            got = status_for(client, users, role, url)
            assert got < 500, f"{url} as {role}: {got}"
    print(f"\n{checked} admin URL x role checks")
    assert checked > 40
