"""Writes to the CEC ledger: entries, their corrections, and the lock on submitted ones."""

from django.db import transaction
from django.utils import timezone

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


def _notify_entry(entry, event):
    from ..tasks import entry_corrected_notify_task

    transaction.on_commit(lambda: entry_corrected_notify_task.delay(entry.pk, event))


def entry_add_check(*, kind, earned_on, hours, reason, today=None):
    """What an entry staff add must satisfy; raises ApplicationError saying what is wrong."""
    if not reason.strip():
        raise ApplicationError("Say why AASC adds this entry; the holder sees it.")
    if not kind.active:
        raise ApplicationError(f"“{kind.name}” is no longer offered; choose another kind.")
    if earned_on > (today or timezone.localdate()):
        raise ApplicationError("The date is in the future: add an activity once it has happened.")
    check_plausible(hours, days=1)


@transaction.atomic
def entry_add(*, holder, kind, title, provider, earned_on, hours, reason, actor, today=None):
    """AASC staff add an entry for a holder (for example from another provider's roster):
    it counts at once, the reason is kept with it and in its history, and the holder is told."""
    entry_add_check(kind=kind, earned_on=earned_on, hours=hours, reason=reason, today=today)
    reason = reason.strip()
    entry = CecEntry(
        holder=holder,
        title=title.strip(),
        provider=provider.strip(),
        earned_on=earned_on,
        hours=hours,
        source=kind,
        category=kind.category,
        correction_note=reason,
    )
    entry._history_user = actor
    entry._change_reason = f"Added by AASC: {reason}"[:100]
    entry.save()
    _notify_entry(entry, "added")
    return entry


@transaction.atomic
def entry_withdraw(*, entry, reason, actor, notify=True):
    """AASC staff (or the holder, removing a claim: `notify` False) withdraw an entry: it
    stays in the ledger, no longer counting, with why."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError("Say why the entry is withdrawn; the holder sees it.")
    entry = CecEntry.objects.select_for_update().get(pk=entry.pk)
    ensure_entry_not_locked(entry)
    if entry.status == CecEntry.Status.WITHDRAWN:
        raise ApplicationError("This entry is withdrawn already.")
    entry.status = CecEntry.Status.WITHDRAWN
    entry.correction_note = reason
    entry._history_user = actor
    entry._change_reason = f"Withdrawn: {reason}"[:100]
    entry.save(update_fields=["status", "correction_note"])
    if notify:
        _notify_entry(entry, "withdrawn")
    return entry


def ensure_entry_not_locked(entry):
    """Entries in a pending or approved submission cannot be edited or removed."""
    if entry_is_locked(entry=entry):
        raise ApplicationError(
            "This CEC entry is part of a pending or approved submission and cannot change."
        )
