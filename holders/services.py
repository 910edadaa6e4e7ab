from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .models import ContactConfirmation, HolderProfile
from .roles import HOLDERS


class ApplicationError(Exception):
    """A domain rule refused the operation; the message is for the person."""


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
        profile = HolderProfile(email=email)
    profile.user = user
    profile.first_name = profile.first_name or first_name.strip()
    profile.last_name = profile.last_name or last_name.strip()
    profile._change_reason = "claimed by sign-up"
    profile.save()
    user.groups.add(Group.objects.get(name=HOLDERS))
    return profile


@transaction.atomic
def holder_update_contact(*, holder, changes, actor, confirm_for_year=None, now=None):
    """Save the holder's contact details; optionally confirm them for a renewal year."""
    holder = HolderProfile.objects.select_for_update().get(pk=holder.pk)
    changed = [field for field in CONTACT_FIELDS if getattr(holder, field) != changes[field]]
    for field in changed:
        setattr(holder, field, changes[field])
    if changed:
        holder.email = holder.email.lower()
        holder._history_user = actor
        holder.save(update_fields=[*changed, "updated_at"])
    if confirm_for_year is not None:
        contact_confirm(holder=holder, cycle_year=confirm_for_year, actor=actor, now=now)
    return holder


def contact_confirm(*, holder, cycle_year, actor, now=None):
    confirmation, _ = ContactConfirmation.objects.update_or_create(
        holder=holder,
        cycle_year=cycle_year,
        defaults={"confirmed_at": now or timezone.now(), "confirmed_by": actor},
    )
    return confirmation
