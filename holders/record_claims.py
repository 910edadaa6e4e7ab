"""Claiming an imported record from an account with another email address: the look-up,
the mailed link, the link itself and the requests AASC staff decide."""

import datetime
import logging

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError

from .models import HolderProfile, RecordLinkRequest, User
from .roles import HOLDERS
from .selectors import claimable_record, email_in_use, holder_record_contents
from .services import CONTACT_FIELDS

logger = logging.getLogger(__name__)

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
