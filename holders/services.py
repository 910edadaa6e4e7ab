import datetime
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError

from .models import ContactConfirmation, HolderProfile
from .roles import HOLDERS
from .selectors import email_in_use

logger = logging.getLogger(__name__)


HOLDER_EMAIL_TAKEN = (
    "This email address belongs to another holder's record. Please contact the AASC office."
)


CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "city",
    "state",
    "zip_code",
    "employer",
    "job_title",
)


@transaction.atomic
def holder_claim_or_create(*, user, first_name="", last_name=""):
    """Link `user` to the holder record with the same email, or start a new one.

    Staff import holders before they have accounts; signing up with the
    imported email claims that record (names and member number kept).
    """
    email = user.email.strip().lower()
    profile = HolderProfile.objects.select_for_update().filter(email=email).first()
    if profile is not None and profile.user_id not in (None, user.pk):
        raise ApplicationError(
            "This email address belongs to another holder's record. Please contact the AASC office."
        )
    if profile is None:
        # The account's address, typed at sign-up: verified only once allauth verifies it
        # (holder_mail_recipient checks). A claimed imported record keeps its staff-typed one.
        profile = HolderProfile(email=email, email_verified=False)
    profile.user = user
    profile.first_name = profile.first_name or first_name.strip()
    profile.last_name = profile.last_name or last_name.strip()
    profile._change_reason = "claimed by sign-up"
    profile.save()
    user.groups.add(Group.objects.get(name=HOLDERS))
    return profile


@dataclass(frozen=True)
class ContactUpdate:
    holder: HolderProfile
    email_change: "EmailChange | None" = None  # set when a new address awaits confirmation


@transaction.atomic
def holder_update_contact(*, holder, changes, actor, confirm_for_year=None, now=None):
    """Save the holder's contact details; optionally confirm them for a renewal year.

    A new email address is not taken on trust: it waits as `pending_email` and gets a
    confirmation link, and mail keeps going to the verified address until it is opened."""
    holder = HolderProfile.objects.select_for_update().get(pk=holder.pk)
    changed = [
        field
        for field in CONTACT_FIELDS
        if field != "email" and getattr(holder, field) != changes[field]
    ]
    for field in changed:
        setattr(holder, field, changes[field])
    if changed:
        holder._history_user = actor
        holder.save(update_fields=[*changed, "updated_at"])
    email_change = None
    new_email = changes["email"].strip().lower()
    if new_email not in (holder.email, holder.pending_email):
        email_change = holder_email_change_request(
            holder=holder, email=new_email, actor=actor, now=now
        )
        holder.refresh_from_db()
    if confirm_for_year is not None:
        contact_confirm(holder=holder, cycle_year=confirm_for_year, actor=actor, now=now)
    return ContactUpdate(holder=holder, email_change=email_change)


def contact_confirm(*, holder, cycle_year, actor, now=None):
    confirmation, _ = ContactConfirmation.objects.update_or_create(
        holder=holder,
        cycle_year=cycle_year,
        defaults={"confirmed_at": now or timezone.now(), "confirmed_by": actor},
    )
    return confirmation


# --- Changing the contact email: confirmed by a signed link ---------------------------

EMAIL_CONFIRM_SALT = "holders.contact-email-confirm"
EMAIL_CONFIRM_MAX_AGE = datetime.timedelta(days=3)
EMAIL_IN_USE = (
    "Another holder's record already uses this email address. "
    "Use a different one or contact the AASC office."
)
LINK_NOT_VALID = (
    "This confirmation link is not valid (it may be incomplete). Nothing was changed: "
    "open your contact details to send a new link."
)
LINK_EXPIRED = (
    "This confirmation link has expired: links work for {days} days. Nothing was changed: "
    "open your contact details to send a new link."
)
LINK_OTHER_HOLDER = (
    "This confirmation link was sent for another holder's record. Nothing was changed: "
    "sign out and sign in as that holder to confirm it."
)
LINK_SUPERSEDED = (
    "This confirmation link is no longer valid: that change was cancelled or replaced "
    "by a newer one. Nothing was changed."
)


@dataclass(frozen=True)
class EmailChange:
    email: str
    sent: bool  # False: the holder's mail allowance is used up until `retry_at`
    retry_at: datetime.datetime


def email_confirmation_token(*, holder, email):
    # The address is in the token, so a link for a cancelled or replaced change is refused.
    return signing.dumps({"holder": holder.pk, "email": email}, salt=EMAIL_CONFIRM_SALT)


@transaction.atomic
def holder_email_change_request(*, holder, email, actor, now=None):
    """Keep `email` as the holder's pending new address and mail it a confirmation link."""
    now = now or timezone.now()
    email = email.strip().lower()
    holder = HolderProfile.objects.select_for_update().get(pk=holder.pk)
    if email == holder.email:
        raise ApplicationError("This is already your contact email.")
    if email_in_use(email=email, exclude_holder=holder):
        raise ApplicationError(EMAIL_IN_USE)
    holder.pending_email = email
    holder.pending_email_requested_at = now
    holder._history_user = actor
    holder._change_reason = "new contact email awaiting confirmation"
    holder.save(update_fields=["pending_email", "pending_email_requested_at", "updated_at"])
    return _email_confirmation_queue(holder=holder, now=now)


@transaction.atomic
def holder_email_change_resend(*, holder, now=None):
    holder = HolderProfile.objects.select_for_update().get(pk=holder.pk)
    if not holder.pending_email:
        raise ApplicationError("No new email address is waiting for confirmation.")
    change = _email_confirmation_queue(holder=holder, now=now)
    if not change.sent:
        raise ApplicationError(mail_limit_message(retry_at=change.retry_at))
    return change


@transaction.atomic
def holder_email_change_cancel(*, holder, actor):
    holder = HolderProfile.objects.select_for_update().get(pk=holder.pk)
    if not holder.pending_email:
        raise ApplicationError("No new email address is waiting for confirmation.")
    holder.pending_email = ""
    holder.pending_email_requested_at = None
    holder._history_user = actor
    holder._change_reason = "new contact email cancelled"
    holder.save(update_fields=["pending_email", "pending_email_requested_at", "updated_at"])
    return holder


def email_change_from_token(*, holder, token):
    """The address a confirmation link confirms for `holder`, or ApplicationError."""
    try:
        data = signing.loads(
            token, salt=EMAIL_CONFIRM_SALT, max_age=EMAIL_CONFIRM_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        raise ApplicationError(LINK_EXPIRED.format(days=EMAIL_CONFIRM_MAX_AGE.days)) from None
    except signing.BadSignature:
        raise ApplicationError(LINK_NOT_VALID) from None
    if not isinstance(data, dict) or not isinstance(data.get("email"), str):
        raise ApplicationError(LINK_NOT_VALID)
    if data.get("holder") != holder.pk:
        raise ApplicationError(LINK_OTHER_HOLDER)
    if data["email"] == holder.email and not holder.pending_email:
        raise ApplicationError(f"{holder.email} is already your confirmed contact email.")
    if data["email"] != holder.pending_email:
        raise ApplicationError(LINK_SUPERSEDED)
    return data["email"]


@transaction.atomic
def holder_email_change_confirm(*, holder, token, actor):
    """The holder opened the link: the pending address becomes the (verified) contact email.
    History records who confirmed and when."""
    holder = HolderProfile.objects.select_for_update().get(pk=holder.pk)
    email = email_change_from_token(holder=holder, token=token)
    if email_in_use(email=email, exclude_holder=holder):
        raise ApplicationError(EMAIL_IN_USE)
    holder.email = email
    holder.email_verified = True
    holder.pending_email = ""
    holder.pending_email_requested_at = None
    holder._history_user = actor
    holder._change_reason = "contact email confirmed by its link"
    holder.save(
        update_fields=[
            "email",
            "email_verified",
            "pending_email",
            "pending_email_requested_at",
            "updated_at",
        ]
    )
    return holder


def _email_confirmation_queue(*, holder, now=None):
    quota = holder_mail_quota_take(holder=holder, now=now)
    if quota.allowed:
        from .tasks import email_confirmation_send_task

        holder_id, email = holder.pk, holder.pending_email
        transaction.on_commit(lambda: email_confirmation_send_task.delay(holder_id, email))
    return EmailChange(email=holder.pending_email, sent=quota.allowed, retry_at=quota.retry_at)


def email_confirmation_send(*, holder_id, email):
    """Mail the confirmation link to the new address: the one mail that goes to an address
    not yet verified, so it carries nothing the holder typed, only fixed words and the link."""
    from core.emails import send_templated_email

    holder = HolderProfile.objects.get(pk=holder_id)
    if holder.pending_email != email:
        return False  # cancelled or replaced while the mail was queued
    token = email_confirmation_token(holder=holder, email=email)
    send_templated_email(
        to=email,
        template="contact_email_confirm",
        context={
            "confirm_url": settings.SITE_URL
            + reverse("holders:email_confirm", kwargs={"token": token}),
            "valid_days": EMAIL_CONFIRM_MAX_AGE.days,
        },
    )
    return True


# --- How much mail a holder's own actions may send -----------------------------------

RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class MailQuota:
    allowed: bool
    retry_at: datetime.datetime  # when the current window ends


def mail_rate(rate=None):
    """settings.HOLDER_MAIL_RATE as (mails, seconds): "10/h", "3/m", "20/6h", "50/d"."""
    rate = rate if rate is not None else settings.HOLDER_MAIL_RATE
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", str(rate))
    if match is None:
        raise ImproperlyConfigured(
            f'HOLDER_MAIL_RATE must look like "10/h" (mails per s, m, h or d), not {rate!r}.'
        )
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * RATE_UNITS[unit]


def holder_mail_quota_take(*, holder, now=None):
    """Count one holder-triggered mail in a fixed window in the cache (Redis in production,
    shared by web and worker). Over the limit the caller sends nothing; the action itself
    (a filed form, a submission) is kept."""
    limit, period = mail_rate()
    now = now or timezone.now()
    window = int(now.timestamp() // period)
    key = f"holder-mail:{holder.pk}:{period}:{window}"
    cache.add(key, 0, timeout=period + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=period + 60)
        count = 1
    retry_at = datetime.datetime.fromtimestamp((window + 1) * period, tz=datetime.UTC)
    if count > limit:
        logger.warning("Holder %s is over HOLDER_MAIL_RATE %s.", holder.pk, limit)
    return MailQuota(allowed=count <= limit, retry_at=retry_at)


def mail_limit_message(*, retry_at):
    local = timezone.localtime(retry_at)
    return (
        "We have sent as many emails for your record as we send in a short time. "
        f"Please try again after {local:%-I:%M %p} ({local:%B %-d})."
    )
