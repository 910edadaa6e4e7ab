"""Writes for AASC classes: attendance, which adds the CEC entry at once, and rosters."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import ApplicationError
from holders.models import HolderProfile

from ..ledger.services import ensure_entry_not_locked, entry_create
from ..models import Attendance, CecEntry, Source

AASC = "AASC (Apartment Association of Southern Colorado)"


@transaction.atomic
def attendance_record(*, aasc_class, holder, actor, now=None):
    """Record that `holder` attended `aasc_class`: the CEC entry appears at once.

    Returns (attendance, created). Recording twice changes nothing; recording a
    withdrawn attendance again restores it and its entry."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                aasc_class=aasc_class, holder=holder, recorded_by=actor, recorded_at=now
            )
    except IntegrityError:
        attendance = Attendance.objects.select_for_update().get(
            aasc_class=aasc_class, holder=holder
        )
        if attendance.withdrawn_at is None:
            return attendance, False
        attendance.withdrawn_at = None
        attendance.withdrawn_reason = ""
        attendance._history_user = actor
        attendance.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        entry = attendance.cec_entry
        entry.status = CecEntry.Status.COUNTED
        entry._history_user = actor
        entry._change_reason = "attendance recorded again"
        entry.save(update_fields=["status"])
        return attendance, True
    entry_create(
        holder=holder,
        title=aasc_class.title,
        provider=AASC,
        earned_on=aasc_class.held_on,
        hours=aasc_class.hours,
        source=Source.AASC_CLASS,
        attendance=attendance,
    )
    return attendance, True


@transaction.atomic
def attendance_withdraw(*, attendance, actor, reason, now=None):
    """Undo an attendance recorded by mistake: the entry is withdrawn, never deleted."""
    if not reason.strip():
        raise ApplicationError("Give the reason for removing the attendance.")
    attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
    if attendance.withdrawn_at is not None:
        return attendance
    entry = attendance.cec_entry
    ensure_entry_not_locked(entry)
    attendance.withdrawn_at = now or timezone.now()
    attendance.withdrawn_reason = reason.strip()
    attendance._history_user = actor
    attendance.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    entry.status = CecEntry.Status.WITHDRAWN
    entry.correction_note = f"Attendance removed: {reason.strip()}"
    entry._history_user = actor
    entry._change_reason = entry.correction_note
    entry.save(update_fields=["status", "correction_note"])
    return attendance


@dataclass
class RosterResult:
    created: list = field(default_factory=list)
    already_recorded: list = field(default_factory=list)
    duplicates_in_file: list = field(default_factory=list)
    unknown: list = field(default_factory=list)  # (line number, value)

    @property
    def ok(self):
        return not self.unknown


def roster_match(*, identifiers):
    """Match roster rows (email or NAAEI member number) to holders.

    Returns (matched: list of (line, holder)), duplicates (line, value), unknown (line, value)."""
    cleaned = [(line, value.strip()) for line, value in identifiers if value.strip()]
    emails = {v.lower() for _, v in cleaned if "@" in v}
    numbers = {v for _, v in cleaned if "@" not in v}
    holders = HolderProfile.objects.filter(Q(email__in=emails) | Q(member_number__in=numbers))
    by_key = {}
    for holder in holders:
        by_key[holder.email] = holder
        if holder.member_number:
            by_key[holder.member_number] = holder
    matched, duplicates, unknown, seen = [], [], [], set()
    for line, value in cleaned:
        holder = by_key.get(value.lower() if "@" in value else value)
        if holder is None:
            unknown.append((line, value))
        elif holder.pk in seen:
            duplicates.append((line, value))
        else:
            seen.add(holder.pk)
            matched.append((line, holder))
    return matched, duplicates, unknown


@transaction.atomic
def roster_import(*, aasc_class, identifiers, actor, now=None):
    """Record attendance for every row, or for none when any row is unknown."""
    matched, duplicates, unknown = roster_match(identifiers=identifiers)
    result = RosterResult(duplicates_in_file=duplicates, unknown=unknown)
    if unknown:
        return result
    for _, holder in matched:
        _, created = attendance_record(aasc_class=aasc_class, holder=holder, actor=actor, now=now)
        (result.created if created else result.already_recorded).append(holder)
    return result
