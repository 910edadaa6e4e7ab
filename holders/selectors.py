from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string

from .models import ContactConfirmation, HolderProfile, RecordLinkRequest


def holder_for_user(*, user):
    if not user.is_authenticated:
        return None
    loaded = HolderProfile.user.field.remote_field  # holders.auth loads it with the user
    if loaded.is_cached(user) and loaded.get_cached_value(user) is not None:
        return loaded.get_cached_value(user)
    return HolderProfile.objects.filter(user=user).first()


def contact_confirmation_for(*, holder, cycle_year):
    return ContactConfirmation.objects.filter(holder=holder, cycle_year=cycle_year).first()


def email_in_use(*, email, exclude_holder=None):
    profiles = HolderProfile.objects.filter(email__iexact=email.strip())
    if exclude_holder is not None:
        profiles = profiles.exclude(pk=exclude_holder.pk)
    return profiles.exists()


def email_claimed_by_account(*, email):
    """A holder record uses this contact email but belongs to an account that signs in
    with another address. (An account signing in with this very address is allauth's
    case: it answers without revealing that the account exists.)"""
    email = email.strip()
    return (
        HolderProfile.objects.filter(email__iexact=email, user__isnull=False)
        .exclude(user__email__iexact=email)
        .exists()
    )


def holder_mail_recipient(*, holder):
    """The one place that picks where a holder's mail goes: the contact email, and only
    once it is verified (typed by AASC staff, confirmed through our link, or the account's
    own allauth-verified address). None means send nothing; the caller logs what it skipped.
    A new address the holder typed waits in `pending_email` and never comes out of here."""
    email = (holder.email or "").strip().lower()
    if not email:
        return None
    if holder.email_verified:
        return email
    if (
        holder.user_id
        and EmailAddress.objects.filter(
            user_id=holder.user_id, email__iexact=email, verified=True
        ).exists()
    ):
        return email
    return None


# --- Claiming an imported record -------------------------------------------------------


def _squeeze(text):
    return " ".join((text or "").split()).casefold()


def _zip5(text):
    return (text or "").strip()[:5]


def claimable_record(*, number, last_name, zip_code):
    """The imported record these details name exactly, or None: `number` is its NAAEI member
    number or one of its credentials' numbers (any case), the last name is equal ignoring
    case and spaces, the ZIP codes' first 5 digits are equal, and no account has it yet.
    Two records answering at once (it should not happen) is no answer."""
    number = number.strip()
    if not number or not _squeeze(last_name) or len(_zip5(zip_code)) < 5:
        return None
    by_credential = import_string(settings.HOLDERS_WITH_CREDENTIAL_NUMBER)(number=number)
    candidates = HolderProfile.objects.filter(
        Q(member_number__iexact=number) | Q(pk__in=by_credential), user__isnull=True
    )
    matches = [
        record
        for record in candidates
        if _squeeze(record.last_name) == _squeeze(last_name)
        and _zip5(record.zip_code) == _zip5(zip_code)
    ]
    return matches[0] if len(matches) == 1 else None


def holder_record_contents(*, holder):
    """What other apps keep on `holder`'s record (credentials, invoices, CEC entries...), as
    the names of those rows: a record holding any is not given up when its account claims
    another. Found from the relations themselves, so holders imports no app above it; its
    own contact confirmations and link requests do not count."""
    if holder is None:
        return []
    contents = []
    for relation in HolderProfile._meta.related_objects:
        model = relation.related_model
        if model._meta.app_label == HolderProfile._meta.app_label:
            continue
        if model._default_manager.filter(**{relation.field.name: holder}).exists():
            contents.append(str(model._meta.verbose_name_plural))
    return contents


def pending_link_requests(*, account):
    return RecordLinkRequest.objects.filter(
        account=account, status=RecordLinkRequest.Status.PENDING
    )
