"""Writes to the CEC ledger: entries, their corrections, and the lock on submitted ones."""

from django.db import transaction

from core.errors import ApplicationError

from ..models import ActivityKind, CecEntry
from .hours import check_plausible
from .selectors import entry_is_locked


def entry_create(*, holder, title, provider, earned_on, hours, source, days=1, **links):
    """A ledger line of the activity kind coded `source`, in the kind's category as it is
    now (the entry keeps it if staff later change the kind)."""
    check_plausible(hours, days=days)
    kind = ActivityKind.objects.only("code", "category").get(code=source)
    return CecEntry.objects.create(
        holder=holder,
        title=title,
        provider=provider,
        earned_on=earned_on,
        hours=hours,
        source=kind,
        category=kind.category,
        **links,
    )


@transaction.atomic
def entry_correct(*, entry, changes, note, actor):
    """Staff correct an entry's title, date or hours; the note says why, history keeps
    who and when, and the holder is told."""
    if not note.strip():
        raise ApplicationError("Say why the entry is corrected.")
    entry = CecEntry.objects.select_for_update().get(pk=entry.pk)
    ensure_entry_not_locked(entry)
    changed = [name for name, value in changes.items() if getattr(entry, name) != value]
    for name in changed:
        setattr(entry, name, changes[name])
    entry.correction_note = note.strip()
    entry._history_user = actor
    entry._change_reason = entry.correction_note
    entry.save(update_fields=[*changed, "correction_note"])
    from ..tasks import entry_corrected_notify_task

    transaction.on_commit(lambda: entry_corrected_notify_task.delay(entry.pk))
    return entry


def ensure_entry_not_locked(entry):
    """Entries in a pending or approved submission cannot be edited or removed."""
    if entry_is_locked(entry=entry):
        raise ApplicationError(
            "This CEC entry is part of a pending or approved submission and cannot change."
        )
