"""Outgoing mail: only to verified addresses, holder text never a link, a per-holder limit.

The finding: a holder set the contact email to any address and every reporting form they
filed mailed an official "[AASC renewals]" message there, the holder's title in its subject
and its HTML part a clickable link (5 of 5 in 0.4 s, no limit)."""

import datetime
import re
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from cecs.models import ReportingForm, Submission
from cecs.reporting.services import reporting_form_verify
from cecs.tasks import submission_notify_task
from core.emails import send_templated_email
from credentials.models import RenewalInvoice
from credentials.services import cycle_get_or_create, invoices_issue
from holders.mail import send_holder_email
from holders.models import HolderProfile
from holders.selectors import holder_mail_recipient
from holders.services import (
    email_confirmation_token,
    holder_claim_or_create,
    holder_email_change_request,
    mail_rate,
)
from payments.services import payment_fulfil
from renewal_portal.reminder_content import send_manual_reminder
from tests.factories import (
    HolderProfileFactory,
    ReportingFormFactory,
    UserFactory,
    contact_details_post,
    holder_with,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("America/Denver"))
PROFILE = reverse("holders:profile")
NEW = "new.address@example.net"
HOSTILE_TITLE = "Click http://evil.example/now\nURGENT: www.evil.example or evil.example/x"


@pytest.fixture(autouse=True)
def _now(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.HOLDER_MAIL_RATE = "10/h"


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what a request or service queues after commit (the mail tasks), as it would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def confirm_link(message):
    found = re.search(r"http://\S+/profile/email/confirm/\S+/", message.body)
    assert found, message.body
    return found.group(0).removeprefix(settings.SITE_URL)


def to(address):
    return [m for m in mail.outbox if address in m.to]


def submit_drafts(client, holder, run_on_commit, count):
    forms = [
        ReportingFormFactory(holder=holder, status="draft", submitted_at=None) for _ in range(count)
    ]
    for form in forms:
        run_on_commit(client.post, reverse("cecs:form_submit", args=[form.pk]))
    return forms


# --- (a) A new contact email is used only once confirmed ---------------------------------


def test_changing_the_email_keeps_it_pending_and_mails_only_a_link_to_it(
    holder_client, holder, run_on_commit
):
    old = holder.email
    response = run_on_commit(
        holder_client.post, PROFILE, contact_details_post(holder, email=NEW.upper()), follow=True
    )
    holder.refresh_from_db()
    assert holder.email == old
    assert holder.pending_email == NEW
    assert holder.city == "Colorado Springs" and holder.street == "31 N Tejon St"
    assert f"We sent a link to {NEW}; your address changes when you open it." in response.text
    assert "Send the link again" in response.text and "Cancel the change" in response.text
    [message] = mail.outbox
    assert message.to == [NEW]
    assert message.subject == "[AASC renewals] Confirm your new contact email address"
    # The one mail to an unverified address carries nothing the holder typed.
    assert holder.first_name not in message.body
    assert holder.last_name not in message.body
    html = message.alternatives[0][0]
    assert f'<a href="{settings.SITE_URL}{confirm_link(message)}">' in html
    latest = holder.history.first()
    assert latest.pending_email == NEW and latest.history_user == holder.user


def test_the_unverified_address_gets_nothing_but_the_link(holder_client, run_on_commit, staff):
    holder = holder_with("CAM", "NALP")
    holder_client.force_login(holder.user)
    old = holder.email
    run_on_commit(holder_client.post, PROFILE, contact_details_post(holder, email=NEW))
    # Five reporting forms filed, one verified by staff, a reminder and a payment receipt.
    forms = submit_drafts(holder_client, holder, run_on_commit, 5)
    run_on_commit(reporting_form_verify, form=forms[0], actor=staff, signer_name="Pat Staff")
    cycle = cycle_get_or_create(year=2027)
    invoices_issue(cycle=cycle)
    invoice = RenewalInvoice.objects.get(holder=holder)
    send_manual_reminder(invoice=invoice)
    run_on_commit(
        payment_fulfil,
        invoice_id=invoice.pk,
        amount_cents=invoice.total_cents,
        currency="usd",
        provider="stripe",
        payment_intent_id="pi_outgoing_mail",
    )
    assert [m.subject for m in to(NEW)] == [
        "[AASC renewals] Confirm your new contact email address"
    ]
    subjects = [m.subject for m in to(old)]
    assert len(subjects) == 5 + 1 + 1 + 1
    assert any("Receipt" in s for s in subjects)
    assert any("credential renewal: what is left to do" in s for s in subjects)
    assert len(mail.outbox) == 1 + len(subjects)


def test_opening_the_link_confirms_it_and_mail_then_goes_there(
    holder_client, holder, run_on_commit
):
    old = holder.email
    run_on_commit(holder_client.post, PROFILE, contact_details_post(holder, email=NEW))
    link = confirm_link(mail.outbox[0])
    page = holder_client.get(link)
    assert page.status_code == 200
    assert f"Confirm {NEW}" in page.text
    holder.refresh_from_db()
    assert holder.email == old  # opening the page alone (a link scanner) changes nothing
    response = holder_client.post(link, follow=True)
    assert f"Your contact email is now {NEW}" in response.text
    holder.refresh_from_db()
    assert (holder.email, holder.pending_email, holder.email_verified) == (NEW, "", True)
    latest = holder.history.first()
    assert latest.history_user == holder.user
    assert latest.history_change_reason == "contact email confirmed by its link"
    assert latest.history_date == NOW
    assert holder_mail_recipient(holder=holder) == NEW
    mail.outbox.clear()
    submit_drafts(holder_client, holder, run_on_commit, 1)
    assert [m.to for m in mail.outbox] == [[NEW]]
    # The link is spent: a second use is refused and changes nothing.
    again = holder_client.post(link)
    assert again.status_code == 400
    assert "already your confirmed contact email" in unescape(again.text)


@pytest.mark.parametrize("damage", ["tampered", "expired", "other_holder", "cancelled", "replaced"])
def test_a_bad_link_is_refused_with_a_message_and_changes_nothing(
    holder_client, holder, other_holder, run_on_commit, time_machine, damage
):
    run_on_commit(holder_client.post, PROFILE, contact_details_post(holder, email=NEW))
    link = confirm_link(mail.outbox[0])
    message = {
        "tampered": "This confirmation link is not valid",
        "expired": "This confirmation link has expired: links work for 3 days.",
        "other_holder": "was sent for another holder's record",
        "cancelled": "that change was cancelled or replaced by a newer one",
        "replaced": "that change was cancelled or replaced by a newer one",
    }[damage]
    if damage == "tampered":
        token = link.split("/")[-2]
        link = link.replace(token, token.replace(NEW.split("@")[0][:3], "xyz", 1)[:-2] + "AA")
    elif damage == "expired":
        time_machine.move_to(NOW + datetime.timedelta(days=3, seconds=1), tick=False)
        holder_client.force_login(holder.user)  # the old session has timed out by now
    elif damage == "other_holder":
        token = email_confirmation_token(holder=other_holder, email=NEW)
        link = reverse("holders:email_confirm", kwargs={"token": token})
    elif damage == "cancelled":
        holder_client.post(reverse("holders:email_cancel"))
    elif damage == "replaced":
        run_on_commit(
            holder_client.post, PROFILE, contact_details_post(holder, email="newer@example.net")
        )
    before = HolderProfile.objects.values().get(pk=holder.pk)
    for response in (holder_client.get(link), holder_client.post(link)):
        assert response.status_code == 400
        assert message in unescape(response.text)
    assert HolderProfile.objects.values().get(pk=holder.pk) == before


def test_the_link_needs_the_holder_signed_in(client, holder, run_on_commit):
    run_on_commit(holder_email_change_request, holder=holder, email=NEW, actor=holder.user)
    link = confirm_link(mail.outbox[0])
    response = client.post(link)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    holder.refresh_from_db()
    assert holder.email != NEW


def test_resend_and_cancel_from_the_contact_page(holder_client, holder, run_on_commit):
    old = holder.email
    run_on_commit(holder_client.post, PROFILE, contact_details_post(holder, email=NEW))
    response = run_on_commit(holder_client.post, reverse("holders:email_resend"), follow=True)
    assert f"We sent a new link to {NEW}." in response.text
    assert [m.to for m in mail.outbox] == [[NEW], [NEW]]
    # Saving the form again with the pending address typed in sends nothing more.
    run_on_commit(holder_client.post, PROFILE, contact_details_post(holder, email=NEW))
    assert len(mail.outbox) == 2
    response = holder_client.post(reverse("holders:email_cancel"), follow=True)
    assert f"Cancelled: your contact email stays {old}." in response.text
    holder.refresh_from_db()
    assert (holder.email, holder.pending_email) == (old, "")
    assert "waiting for confirmation" not in response.text
    response = holder_client.post(reverse("holders:email_resend"), follow=True)
    assert "No new email address is waiting for confirmation." in response.text
    assert len(mail.outbox) == 2


def test_an_address_another_holder_uses_is_refused_on_the_page(holder_client, holder, other_holder):
    before = HolderProfile.objects.values().get(pk=holder.pk)
    response = holder_client.post(PROFILE, contact_details_post(holder, email=other_holder.email))
    assert "already uses this email address" in response.context["form"].errors["email"][0]
    assert HolderProfile.objects.values().get(pk=holder.pk) == before
    assert mail.outbox == []


def test_staff_typed_and_allauth_verified_addresses_count_as_verified(holder):
    imported = HolderProfile.objects.create(first_name="I", last_name="M", email="imp@example.org")
    assert holder_mail_recipient(holder=imported) == "imp@example.org"
    # A record started at sign-up has the account's address: mail once allauth verified it.
    user = UserFactory(verified=False)
    EmailAddress.objects.filter(user=user).delete()
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    started = holder_claim_or_create(user=user, first_name="S", last_name="U")
    assert started.email_verified is False
    assert holder_mail_recipient(holder=started) is None
    assert send_holder_email(holder=started, template="submission_received", context={}) is None
    assert mail.outbox == []
    EmailAddress.objects.filter(user=user).update(verified=True)
    assert holder_mail_recipient(holder=started) == user.email


def test_no_verified_address_means_no_mail_and_a_log_line(holder, caplog):
    HolderProfile.objects.filter(pk=holder.pk).update(email_verified=False)
    EmailAddress.objects.filter(user=holder.user).update(verified=False)
    holder.refresh_from_db()
    form = ReportingFormFactory(holder=holder)
    assert (
        send_holder_email(
            holder=holder,
            template="reporting_form_submitted",
            context={"form": form, "holder": holder},
        )
        is None
    )
    assert mail.outbox == []
    assert "has no verified" in caplog.text


def test_old_holder_typed_addresses_are_unverified_by_the_migration(holder, other_holder, staff):
    """Before the fix a holder's own edit took effect at once: the migration marks such an
    address unverified unless allauth verified it; staff-typed ones stay verified."""
    migration = __import__("holders.migrations.0003_contact_email_verification", fromlist=["x"])
    holder.email = "typed-by-holder@example.net"
    holder._history_user = holder.user
    holder.save()
    other_holder.email = "typed-by-staff@example.net"
    other_holder._history_user = staff
    other_holder.save()
    migration.unverify_holder_typed_addresses(apps, None)
    holder.refresh_from_db()
    other_holder.refresh_from_db()
    assert holder.email_verified is False
    assert holder_mail_recipient(holder=holder) is None
    assert other_holder.email_verified is True


def test_every_holder_mail_goes_through_the_one_recipient_function():
    """Only core/emails.py (send_templated_email, called by holders/mail.py's
    send_holder_email), the confirmation link in holders/services.py and the link-request
    decision in holders/record_claims.py (both to an address not yet the holder's) may
    address mail themselves."""
    root = Path(settings.BASE_DIR)
    callers = set()
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".", "tests/", "var/")) or "/migrations/" in relative:
            continue
        text = path.read_text()
        # (allauth's adapter's self.send_mail is account mail: sign-up and password reset.)
        if re.search(r"send_templated_email\(|(?<!self\.)send_mail\(|EmailMultiAl", text):
            callers.add(relative)
    assert callers == {
        "core/emails.py",
        "holders/mail.py",
        "holders/services.py",
        "holders/record_claims.py",
    }


# --- (b) Holder text: no links, no subject injection -------------------------------------


@pytest.mark.parametrize(
    ("template", "status"),
    [
        ("reporting_form_submitted", "submitted"),
        ("reporting_form_verified", "verified"),
        ("reporting_form_returned", "returned"),
    ],
)
def test_a_hostile_title_becomes_neither_a_link_nor_a_subject_line(template, status):
    # Built, not saved: the templates only read it (a verified row needs a staff signer).
    form = ReportingFormFactory.build(
        pk=424242,
        holder=HolderProfileFactory(first_name="http://evil.example/hi"),
        title=HOSTILE_TITLE,
        organisation="evil.example\r\nBcc: x@evil.example",
        status=status,
        returned_reason="Missing signature",
        signer_name="Pat Staff",
        signed_on=datetime.date(2026, 6, 1),
    )
    send_holder_email(
        holder=form.holder, template=template, context={"form": form, "holder": form.holder}
    )
    [message] = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "evil" not in message.subject and "http" not in message.subject
    assert "www" not in message.subject
    assert "Click" in message.subject  # the plain words of the title stay
    assert len(message.subject) <= len("[AASC renewals] ") + 150
    html = message.alternatives[0][0]
    assert "evil.example" not in html and "evil.example" not in message.body
    assert "evil[.]example" in message.body
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(href.startswith(settings.SITE_URL + "/") for href in hrefs), hrefs
    # The title stays on its line: no forged paragraph in the text or HTML part.
    assert "\nURGENT" not in message.body
    assert "<br>URGENT" not in html and "<p>URGENT" not in html


def test_html_links_only_the_portals_own_pages():
    send_templated_email(
        to="x@example.org",
        template="contact_email_confirm",
        context={
            "confirm_url": f"{settings.SITE_URL}/no-such-page/ {settings.SITE_URL}{PROFILE}",
            "valid_days": 3,
        },
    )
    html = mail.outbox[0].alternatives[0][0]
    # The profile page, then the contact block's link every email ends with.
    assert re.findall(r'href="([^"]*)"', html) == [
        f"{settings.SITE_URL}{PROFILE}",
        f"{settings.SITE_URL}{reverse('help_contact')}",
    ]


def test_every_email_template_filters_what_holders_type():
    """A new template that prints a holder-typed field must pass it through nolink (body)
    or plain_title (subject)."""
    holder_typed = r"holder\.(first_name|last_name|email|employer|job_title|city|street)"
    holder_typed += r"|form\.(title|organisation|description)|entry\.(title|provider)"
    unfiltered = []
    for path in Path(settings.BASE_DIR, "templates", "emails").rglob("*.txt"):
        wanted = "plain_title" if path.name.endswith("_subject.txt") else "nolink"
        for match in re.finditer(r"{{\s*(" + holder_typed + r")\s*(\|[^}]*)?}}", path.read_text()):
            if wanted not in (match.group(0)):
                unfiltered.append(f"{path.name}: {match.group(0)}")
    assert unfiltered == []


# --- (c) Per-holder limit on mail the holder sets off ------------------------------------


def test_twenty_submissions_in_a_row_send_ten_mails_and_keep_all_twenty(
    holder_client, holder, run_on_commit, time_machine
):
    forms = submit_drafts(holder_client, holder, run_on_commit, 20)
    assert (
        ReportingForm.objects.filter(pk__in=[f.pk for f in forms], status="submitted").count() == 20
    )
    assert len(mail.outbox) == 10
    # Staff decisions are not the holder's doing: they still go out.
    run_on_commit(
        reporting_form_verify,
        form=forms[0],
        actor=UserFactory(is_staff=True),
        signer_name="Pat Staff",
    )
    assert len(mail.outbox) == 11
    # The next hour the holder's receipts come again.
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    holder_client.force_login(holder.user)  # the session timed out meanwhile
    submit_drafts(holder_client, holder, run_on_commit, 1)
    assert len(mail.outbox) == 12


def test_the_limit_is_per_holder(client, holder, other_holder, run_on_commit):
    client.force_login(holder.user)
    submit_drafts(client, holder, run_on_commit, 12)
    client.force_login(other_holder.user)
    submit_drafts(client, other_holder, run_on_commit, 3)
    assert len(to(holder.email)) == 10
    assert len(to(other_holder.email)) == 3


def test_cec_submission_receipts_count_and_review_decisions_do_not(settings):
    holder = holder_with("CAM", "NALP")
    cycle = cycle_get_or_create(year=2027)
    invoices_issue(cycle=cycle)
    submission = Submission.objects.create(
        holder=holder,
        cycle=cycle,
        invoice=RenewalInvoice.objects.get(holder=holder),
        cecs_owed=8,
        in_network_minimum=0,
        total_hours=8,
        in_network_hours=8,
        participation_hours=0,
        submitted_at=NOW,
        submitted_by=holder.user,
    )
    settings.HOLDER_MAIL_RATE = "1/h"
    submission_notify_task(submission.pk, "received")
    submission_notify_task(submission.pk, "received")  # over the limit: skipped
    submission_notify_task(submission.pk, "rejected")  # a reviewer's decision: sent
    assert [m.subject for m in mail.outbox] == [
        "[AASC renewals] Your 2027 CEC submission is with NAAEI",
        "[AASC renewals] Your 2027 CEC submission needs attention",
    ]


def test_confirmation_links_count_too_and_the_page_says_when_to_retry(
    holder_client, holder, settings, run_on_commit
):
    settings.HOLDER_MAIL_RATE = "2/h"
    run_on_commit(holder_client.post, PROFILE, contact_details_post(holder, email=NEW))
    run_on_commit(holder_client.post, reverse("holders:email_resend"))
    response = run_on_commit(holder_client.post, reverse("holders:email_resend"), follow=True)
    assert "Please try again after 1:00 PM (June 15)." in response.text
    response = run_on_commit(
        holder_client.post,
        PROFILE,
        contact_details_post(holder, email="other@example.net"),
        follow=True,
    )
    assert "could not send its confirmation link yet" in response.text
    holder.refresh_from_db()
    assert holder.pending_email == "other@example.net"  # kept; "Send the link again" later
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("rate", "parsed"), [("10/h", (10, 3600)), ("3/m", (3, 60)), ("20/6h", (20, 21600))]
)
def test_the_rate_setting(rate, parsed):
    assert mail_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["ten/h", "10", "10/w", ""])
def test_a_bad_rate_setting_is_a_clear_configuration_error(rate):
    with pytest.raises(ImproperlyConfigured, match="HOLDER_MAIL_RATE"):
        mail_rate(rate)
