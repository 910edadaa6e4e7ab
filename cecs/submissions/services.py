"""Writes for submissions to NAAEI: submitting a cycle's CECs, approving, rejecting."""

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.errors import ApplicationError
from credentials.models import RenewalInvoice
from credentials.services import invoice_record_cecs_approved

from ..ledger.selectors import OPEN_SUBMISSION, cec_status, missing_message
from ..models import CecEntry, Submission, SubmissionEntry

CLAIMED = CecEntry.Status.CLAIMED


def _notify_submission(submission, event):
    from ..tasks import submission_notify_task

    transaction.on_commit(lambda: submission_notify_task.delay(submission.pk, event))


ALREADY_SUBMITTED = "You already have a submission for the {year} renewal; it is {state}."


@transaction.atomic
def submission_create(*, holder, cycle, actor, now=None):
    """Submit all the CECs that count for `cycle` at once, for NAAEI approval.

    Refused, with what is missing, unless they meet the requirement. The invoice
    row is locked so two clicks or two tabs queue; the partial unique constraint
    allows one pending or approved submission per holder and cycle."""
    # OF self: the default ordering joins the cycle, whose row FOR UPDATE would lock too.
    invoice = (
        RenewalInvoice.objects.select_for_update(of=("self",))
        .filter(holder=holder, cycle=cycle)
        .first()
    )
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
    _set_entry_status(
        CecEntry.objects.filter(submission_lines__submission=submission, status=CLAIMED),
        status=CecEntry.Status.COUNTED,
        reviewer=reviewer,
        reason="Accepted by NAAEI with the submission",
    )
    invoice_record_cecs_approved(invoice=submission.invoice, approved_at=now)
    _notify_submission(submission, "approved")
    return submission


@transaction.atomic
def submission_reject(*, submission, reviewer, reason="", not_accepted=None, now=None):
    """NAAEI rejects the submission, saying why; `not_accepted` maps entry ids of the
    submission to why each is not accepted. Those entries no longer count (the holder
    replaces them and submits again); claimed ones not named stay claimed."""
    not_accepted = {int(pk): text.strip() for pk, text in (not_accepted or {}).items()}
    if any(not text for text in not_accepted.values()):
        raise ApplicationError("Say why each entry you name is not accepted; the holder sees it.")
    reason = reason.strip() or _reasons_summary(not_accepted)
    if not reason:
        raise ApplicationError(
            "Give the reason for rejecting, or name the entries not accepted and why; "
            "the holder will see it."
        )
    submission = _locked_pending_submission(submission)
    lines = {line.entry_id: line for line in submission.lines.select_for_update()}
    if unknown := set(not_accepted) - set(lines):
        raise ApplicationError(
            f"{len(unknown)} of the entries named are not in this submission; reload the page."
        )
    submission.status = Submission.Status.REJECTED
    submission.rejection_reason = reason
    submission.decided_at = now or timezone.now()
    submission.decided_by = reviewer
    submission._history_user = reviewer
    submission.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
    for entry_id, text in not_accepted.items():
        lines[entry_id].not_accepted_reason = text[:300]
    SubmissionEntry.objects.bulk_update(
        [lines[entry_id] for entry_id in not_accepted], ["not_accepted_reason"]
    )
    entries = list(CecEntry.objects.select_for_update().filter(pk__in=not_accepted))
    for entry in entries:
        text = not_accepted[entry.pk]
        entry.status = CecEntry.Status.NOT_ACCEPTED
        entry.correction_note = text[:300]
        entry._change_reason = f"Not accepted by NAAEI: {text}"[:100]  # each its own why
    bulk_update_with_history(
        entries, CecEntry, ["status", "correction_note"], default_user=reviewer
    )
    _notify_submission(submission, "rejected")
    return submission


def _reasons_summary(not_accepted):
    count = len(not_accepted)
    if not count:
        return ""
    return f"NAAEI did not accept {count} {'entry' if count == 1 else 'entries'}: see each below."


def _set_entry_status(entries, *, status, reviewer, reason):
    changing = list(entries.select_for_update())
    for entry in changing:
        entry.status = status
        entry._history_user = reviewer
    bulk_update_with_history(
        changing,
        CecEntry,
        ["status"],
        default_user=reviewer,
        default_change_reason=reason,
    )
