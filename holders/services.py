import datetime
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError

from .models import ContactConfirmation, HolderProfile, RecordLinkRequest, User
from .roles import HOLDERS
from .selectors import claimable_record, email_in_use, holder_record_contents

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


# --- Claiming an imported record under another email address ---------------------------
#
# Signing up with the address AASC imported claims the record at once (holder_claim_or_create).
# Someone who signed up with another address has an empty record of their own; they give the
# record's number, last name and ZIP code (holders.views.RecordClaimView). On an exact match
# (holders.selectors.claimable_record) a link goes to the address ON the record, or, if they
# can no longer read it, a RecordLinkRequest waits for AASC staff. The page answers alike
# whether anything matched: the matching runs in a Celery task (record_claim_process).

RECORD_CLAIM_SALT = "holders.record-claim"
RECORD_CLAIM_MAX_AGE = datetime.timedelta(days=2)
CLAIM_LINK_NOT_VALID = (
    "This link is not valid (it may be incomplete). Nothing was changed: "
    "use “Find my record” on your dashboard to ask for a new one."
)
CLAIM_LINK_EXPIRED = (
    "This link has expired: links work for {days} days. Nothing was changed: "
    "use “Find my record” on your dashboard to ask for a new one."
)
CLAIM_LINK_OTHER_ACCOUNT = (
    "This link was sent for another account. Nothing was changed: sign out and sign in "
    "with the account that asked for it."
)
CLAIM_LINK_USED = (
    "This link is no longer valid: it was used already, or the record or your account "
    "changed since it was sent. Nothing was changed."
)
RECORD_ALREADY_YOURS = "This record is already linked to your account."
RECORD_TAKEN = "This record is already linked to another account. Nothing was changed."
ACCOUNT_RECORD_IN_USE = (
    "Your account's record is already in use (it has {contents}), so it cannot be swapped "
    "for another record. Nothing was changed: please contact the AASC office, who can merge "
    "the two."
)
STAFF_HAVE_NO_RECORD = "Staff accounts have no holder record."


def _and_join(words):
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _account_record(account, *, lock=False):
    profiles = HolderProfile.objects.filter(user=account)
    return (profiles.select_for_update() if lock else profiles).first()


def claim_refusal(*, account):
    """Why `account` cannot take another record (a plain-words message), or None."""
    if account.is_staff:
        return STAFF_HAVE_NO_RECORD
    contents = holder_record_contents(holder=_account_record(account))
    if contents:
        return ACCOUNT_RECORD_IN_USE.format(contents=_and_join(contents))
    return None


def record_claim_request(*, account, number, last_name, zip_code, lost_email_access):
    """Queue the look-up (record_claim_process) once the request commits; store nothing.
    Refuses only for reasons that do not depend on any record matching."""
    refusal = claim_refusal(account=account)
    if refusal:
        raise ApplicationError(refusal)
    from .tasks import record_claim_process_task

    args = (account.pk, number.strip(), last_name.strip(), zip_code.strip(), lost_email_access)
    transaction.on_commit(lambda: record_claim_process_task.delay(*args))


def record_claim_process(*, account_id, number, last_name, zip_code, lost_email_access):
    """(Celery.) On an exact match, mail the record's address a link that links it to the
    account, or, if they no longer read it, file a link request for AASC staff. Returns
    "mailed", "requested" or None (no match, or nothing sent); nobody is told which."""
    account = User.objects.filter(pk=account_id, is_active=True).first()
    if account is None or claim_refusal(account=account):
        return None
    record = claimable_record(number=number, last_name=last_name, zip_code=zip_code)
    if record is None:
        logger.info("Record claim by account %s: no record matched.", account_id)
        return None
    if lost_email_access:
        record_link_request_create(
            account=account, record=record, number=number, last_name=last_name, zip_code=zip_code
        )
        return "requested"
    return "mailed" if record_claim_mail(account=account, record=record) else None


def record_claim_token(*, account, record):
    # Bound to the account, the record, the address it is mailed to and the account's record
    # at the time: once used (the account's record changes), it is refused.
    current = _account_record(account)
    return signing.dumps(
        {
            "account": account.pk,
            "record": record.pk,
            "email": record.email,
            "from": current.pk if current else None,
        },
        salt=RECORD_CLAIM_SALT,
    )


def record_claim_mail(*, account, record):
    """Mail the link to the record's own (verified) contact email, counted against the
    record's HOLDER_MAIL_RATE. It names the account that asked, so a holder who did not
    ask knows to ignore it."""
    from .mail import send_holder_email

    token = record_claim_token(account=account, record=record)
    return send_holder_email(
        holder=record,
        template="record_claim_confirm",
        context={
            "confirm_url": settings.SITE_URL
            + reverse("holders:claim_confirm", kwargs={"token": token}),
            "valid_days": RECORD_CLAIM_MAX_AGE.days,
            "account_email": account.email,
            "holder": record,
        },
        holder_triggered=True,
    )


def record_claim_from_token(*, account, token, lock=False):
    """The record a claim link links to `account`, or ApplicationError."""
    try:
        data = signing.loads(
            token, salt=RECORD_CLAIM_SALT, max_age=RECORD_CLAIM_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        raise ApplicationError(CLAIM_LINK_EXPIRED.format(days=RECORD_CLAIM_MAX_AGE.days)) from None
    except signing.BadSignature:
        raise ApplicationError(CLAIM_LINK_NOT_VALID) from None
    if not isinstance(data, dict) or not {"account", "record", "email", "from"} <= data.keys():
        raise ApplicationError(CLAIM_LINK_NOT_VALID)
    if data["account"] != account.pk:
        raise ApplicationError(CLAIM_LINK_OTHER_ACCOUNT)
    records = HolderProfile.objects.filter(pk=data["record"])
    record = (records.select_for_update() if lock else records).first()
    if record is not None and record.user_id == account.pk:
        raise ApplicationError(RECORD_ALREADY_YOURS)
    refusal = claim_refusal(account=account)
    if refusal:  # the account's own record filled up since (holder_record_link says so too)
        raise ApplicationError(refusal)
    current = _account_record(account)
    if (
        record is None
        or record.user_id is not None
        or record.email != data["email"]
        or data["from"] != (current.pk if current else None)
    ):
        raise ApplicationError(CLAIM_LINK_USED)
    return record


@transaction.atomic
def record_claim_confirm(*, account, token):
    """The signed-in account opened the link mailed to the record's address (and pressed the
    button): the record becomes theirs (holder_record_link)."""
    record = record_claim_from_token(account=account, token=token, lock=True)
    return holder_record_link(record=record, account=account, actor=account, how="mailed link")


@transaction.atomic
def holder_record_link(*, record, account, actor, how, use_account_email=False):
    """Link the imported `record` (no account yet) to `account`.

    The account's own record, if it has one (the empty record sign-up started because the
    address differed from the imported one), is dealt with first:
    - if it holds anything of the other apps (credentials, invoices, CEC entries, waivers...:
      holders.selectors.holder_record_contents), nothing changes and ApplicationError asks
      the person to contact AASC, who merge the records by hand;
    - otherwise it is retired: what the person typed into it fills the imported record's
      empty contact fields (never overwriting what AASC imported; the contact email stays
      the record's), then it is deleted, which frees its email address for the person to
      use. Its history keeps a copy of every field with who retired it, when and why;
      its contact confirmations go with it (the person confirms the imported details anew).
    The record's history says who linked it, when and how. `use_account_email` (staff
    approved a request from someone who can no longer read the record's address) makes the
    account's verified sign-in address the record's contact email."""
    record = HolderProfile.objects.select_for_update().get(pk=record.pk)
    if record.user_id == account.pk:
        raise ApplicationError(RECORD_ALREADY_YOURS)
    if record.user_id is not None:
        raise ApplicationError(RECORD_TAKEN)
    old = _account_record(account, lock=True)
    contents = holder_record_contents(holder=old)
    if contents:
        raise ApplicationError(ACCOUNT_RECORD_IN_USE.format(contents=_and_join(contents)))
    changed = ["user"]
    reason = f"linked to account #{account.pk} ({how})"
    if old is not None:
        for field in CONTACT_FIELDS:
            if field != "email" and not getattr(record, field) and getattr(old, field):
                setattr(record, field, getattr(old, field))
                changed.append(field)
        reason += f"; replaced its empty record #{old.pk}"
        old._history_user = actor
        old._change_reason = f"retired: its account was linked to imported record #{record.pk}"
        try:
            old.delete()
        except ProtectedError:  # something was added to it since holder_record_contents read
            raise ApplicationError(ACCOUNT_RECORD_IN_USE.format(contents="records")) from None
    record.user = account
    if (
        use_account_email
        and account.email != record.email
        and not email_in_use(email=account.email, exclude_holder=record)
    ):
        record.email, record.email_verified = account.email, True
        record.pending_email, record.pending_email_requested_at = "", None
        changed += ["email", "email_verified", "pending_email", "pending_email_requested_at"]
        reason += "; account's email"
    record._history_user = actor
    record._change_reason = reason[:100]  # who and when: history_user, history_date
    record.save(update_fields=[*changed, "updated_at"])
    account.groups.add(Group.objects.get(name=HOLDERS))
    return record


def record_link_request_create(*, account, record, number, last_name, zip_code):
    """File what the person typed for AASC staff; one pending request per account and
    record (asking again keeps the first)."""
    pending = RecordLinkRequest.objects.filter(
        account=account, record=record, status=RecordLinkRequest.Status.PENDING
    )
    request = pending.first()
    if request is not None:
        return request
    request = RecordLinkRequest(
        account=account,
        record=record,
        number_given=number.strip()[:30],
        last_name_given=last_name.strip()[:100],
        zip_code_given=zip_code.strip()[:10],
    )
    request._history_user = account
    request._change_reason = "asked by the account (no access to the record's email)"
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:  # the same request, filed at the same moment
        return pending.get()
    return request


def _link_request_for_decision(link_request):
    request = (
        RecordLinkRequest.objects.select_for_update()
        .select_related("account", "record")
        .get(pk=link_request.pk)
    )
    if request.status != RecordLinkRequest.Status.PENDING:
        raise ApplicationError(
            f"This request was decided already ({request.get_status_display().lower()}). "
            "Nothing was changed."
        )
    return request


def _link_request_decided(request, *, actor, status, now):
    from .tasks import record_link_decision_send_task

    request.status = status
    request.decided_by = actor
    request.decided_at = now or timezone.now()
    request._history_user = actor
    request.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    request_id = request.pk
    transaction.on_commit(lambda: record_link_decision_send_task.delay(request_id))
    return request


@transaction.atomic
def record_link_request_approve(*, link_request, actor, now=None):
    """AASC staff checked the person: link the record to their account (holder_record_link,
    with the account's address as the record's contact email, since they cannot read the
    old one) and email them at the account's address."""
    request = _link_request_for_decision(link_request)
    holder_record_link(
        record=request.record,
        account=request.account,
        actor=actor,
        how=f"link request #{request.pk}",
        use_account_email=True,
    )
    return _link_request_decided(
        request, actor=actor, status=RecordLinkRequest.Status.APPROVED, now=now
    )


@transaction.atomic
def record_link_request_reject(*, link_request, actor, reason, now=None):
    """AASC staff could not confirm the person: nothing is linked; they are emailed why
    at the account's address."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Give a reason: the person receives it by email.")
    request = _link_request_for_decision(link_request)
    request.rejection_reason = reason
    return _link_request_decided(
        request, actor=actor, status=RecordLinkRequest.Status.REJECTED, now=now
    )


def record_link_decision_send(*, link_request_id):
    """Mail the decision to the account's sign-in address (verified by sign-up): the person
    said they cannot read the record's own address, so this is not holder mail."""
    from core.emails import send_templated_email

    request = RecordLinkRequest.objects.select_related("account").get(pk=link_request_id)
    if request.status == RecordLinkRequest.Status.PENDING:
        return False
    approved = request.status == RecordLinkRequest.Status.APPROVED
    send_templated_email(
        to=request.account.email,
        template="record_link_approved" if approved else "record_link_rejected",
        context={
            "reason": request.rejection_reason,
            "portal_url": settings.SITE_URL + reverse("home"),
            "claim_url": settings.SITE_URL + reverse("holders:claim"),
        },
    )
    return True
