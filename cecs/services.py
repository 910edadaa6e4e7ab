"""Writes to the CEC ledger: attendance, reporting forms, entries and submissions."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import ApplicationError
from credentials.models import RenewalInvoice
from credentials.services import invoice_record_cecs_approved
from holders.models import HolderProfile

from .hours import check_plausible, earned_on_for
from .models import (
    CATEGORY_OF_SOURCE,
    Attendance,
    CecEntry,
    ReportingForm,
    Source,
    Submission,
    SubmissionEntry,
)
from .selectors import OPEN_SUBMISSION, cec_status, entry_is_locked, missing_message

AASC = "AASC (Apartment Association of Southern Colorado)"


def entry_create(*, holder, title, provider, earned_on, hours, source, days=1, **links):
    check_plausible(hours, days=days)
    return CecEntry.objects.create(
        holder=holder,
        title=title,
        provider=provider,
        earned_on=earned_on,
        hours=hours,
        source=source,
        category=CATEGORY_OF_SOURCE[source],
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
    from .tasks import entry_corrected_notify_task

    transaction.on_commit(lambda: entry_corrected_notify_task.delay(entry.pk))
    return entry


def _notify(form, event):
    from .tasks import reporting_form_notify_task

    transaction.on_commit(lambda: reporting_form_notify_task.delay(form.pk, event))


# --- AASC classes ---------------------------------------------------------------


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


def ensure_entry_not_locked(entry):
    """Entries in a pending or approved submission cannot be edited or removed."""
    if entry_is_locked(entry=entry):
        raise ApplicationError(
            "This CEC entry is part of a pending or approved submission and cannot change."
        )


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


# --- CEC Reporting Forms ------------------------------------------------------------


def _locked_form(form):
    return ReportingForm.objects.select_for_update().select_related("holder").get(pk=form.pk)


@transaction.atomic
def reporting_form_submit(*, form, actor, now=None):
    form = _locked_form(form)
    if not form.is_editable:
        raise ApplicationError(f"This form is {form.get_status_display().lower()} already.")
    form.status = ReportingForm.Status.SUBMITTED
    form.submitted_at = now or timezone.now()
    form._history_user = actor
    form.save(update_fields=["status", "submitted_at"])
    _notify(form, "submitted")
    return form


@transaction.atomic
def reporting_form_verify(*, form, actor, signer_name, signed_on=None, now=None):
    """AASC staff verify and sign a submitted form: it becomes a countable CEC entry."""
    if not signer_name.strip():
        raise ApplicationError("Give the name of the person signing for AASC.")
    form = _locked_form(form)
    if form.status != ReportingForm.Status.SUBMITTED:
        state = form.get_status_display().lower()
        raise ApplicationError(f"Only submitted forms can be verified; this one is {state}.")
    now = now or timezone.now()
    form.status = ReportingForm.Status.VERIFIED
    form.signer_name = signer_name.strip()
    form.signed_on = signed_on or timezone.localdate(now)
    form.verified_by = actor
    form.verified_at = now
    form._history_user = actor
    form.save(update_fields=["status", "signer_name", "signed_on", "verified_by", "verified_at"])
    entry_create(
        holder=form.holder,
        title=form.title,
        provider=form.organisation,
        earned_on=form_earned_on(form),
        hours=form.hours,
        source=form.activity_type,
        days=((form.date_to or form.date_from) - form.date_from).days + 1,
        reporting_form=form,
    )
    _notify(form, "verified")
    return form


@transaction.atomic
def reporting_form_return(*, form, actor, reason, now=None):
    if not reason.strip():
        raise ApplicationError("Tell the holder why the form is returned.")
    form = _locked_form(form)
    if form.status != ReportingForm.Status.SUBMITTED:
        state = form.get_status_display().lower()
        raise ApplicationError(f"Only submitted forms can be returned; this one is {state}.")
    form.status = ReportingForm.Status.RETURNED
    form.returned_reason = reason.strip()
    form.returned_by = actor
    form.returned_at = now or timezone.now()
    form._history_user = actor
    form.save(update_fields=["status", "returned_reason", "returned_by", "returned_at"])
    _notify(form, "returned")
    return form


def form_earned_on(form):
    if form.date_to:
        return form.date_to
    return earned_on_for(day=form.date_from, at_time=form.start_time, time_zone=form.time_zone)


# --- Submissions to NAAEI ----------------------------------------------------------------


def _notify_submission(submission, event):
    from .tasks import submission_notify_task

    transaction.on_commit(lambda: submission_notify_task.delay(submission.pk, event))


ALREADY_SUBMITTED = "You already have a submission for the {year} renewal; it is {state}."


@transaction.atomic
def submission_create(*, holder, cycle, actor, now=None):
    """Submit all the CECs that count for `cycle` at once, for NAAEI approval.

    Refused, with what is missing, unless they meet the requirement. The invoice
    row is locked so two clicks or two tabs queue; the partial unique constraint
    allows one pending or approved submission per holder and cycle."""
    invoice = RenewalInvoice.objects.select_for_update().filter(holder=holder, cycle=cycle).first()
    if invoice is None:
        raise ApplicationError(
            f"Your {cycle.year} renewal invoice has not been issued yet, so there is "
            "nothing to submit CECs for."
        )
    existing = Submission.objects.filter(holder=holder, cycle=cycle, status__in=OPEN_SUBMISSION)
    if (current := existing.first()) is not None:
        raise ApplicationError(
            ALREADY_SUBMITTED.format(year=cycle.year, state=current.get_status_display().lower())
        )
    status = cec_status(holder=holder, cycle=cycle, invoice=invoice)
    if status.waived or status.owed == 0:
        raise ApplicationError(f"No CECs are owed for your {cycle.year} renewal.")
    if not status.is_met:
        raise ApplicationError(missing_message(status))
    submission = Submission.objects.create(
        holder=holder,
        cycle=cycle,
        invoice=invoice,
        cecs_owed=status.owed,
        in_network_minimum=status.in_network_minimum,
        total_hours=status.total,
        in_network_hours=status.in_network,
        participation_hours=status.participation,
        submitted_at=now or timezone.now(),
        submitted_by=actor,
    )
    SubmissionEntry.objects.bulk_create(
        SubmissionEntry(submission=submission, entry=line.entry, counted_hours=line.counted_hours)
        for line in status.counting
    )
    _notify_submission(submission, "received")
    return submission


def _locked_pending_submission(submission):
    # Same lock order as submission_create: the invoice, then the submission.
    RenewalInvoice.objects.select_for_update().get(pk=submission.invoice_id)
    submission = (
        Submission.objects.select_for_update().select_related("invoice").get(pk=submission.pk)
    )
    if submission.status != Submission.Status.PENDING:
        raise ApplicationError(
            f"This submission was already decided: {submission.get_status_display().lower()}."
        )
    return submission


@transaction.atomic
def submission_approve(*, submission, reviewer, now=None):
    """NAAEI approves: the invoice records it, and a paid invoice completes the renewal."""
    submission = _locked_pending_submission(submission)
    now = now or timezone.now()
    submission.status = Submission.Status.APPROVED
    submission.decided_at = now
    submission.decided_by = reviewer
    submission._history_user = reviewer
    submission.save(update_fields=["status", "decided_at", "decided_by"])
    invoice_record_cecs_approved(invoice=submission.invoice, approved_at=now)
    _notify_submission(submission, "approved")
    return submission


@transaction.atomic
def submission_reject(*, submission, reviewer, reason, now=None):
    if not reason.strip():
        raise ApplicationError("Give the reason for rejecting; the holder will see it.")
    submission = _locked_pending_submission(submission)
    submission.status = Submission.Status.REJECTED
    submission.rejection_reason = reason.strip()
    submission.decided_at = now or timezone.now()
    submission.decided_by = reviewer
    submission._history_user = reviewer
    submission.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
    _notify_submission(submission, "rejected")
    return submission
