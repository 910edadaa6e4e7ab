from allauth.account.models import EmailAddress

from .models import ContactConfirmation, HolderProfile


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
