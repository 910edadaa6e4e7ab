"""Renewal reminders: a daily sweep claims each due (invoice, stage) once, in bulk; one
task per claim sends it. The claim row, unique per (invoice, stage), is what makes a
second sweep, a second worker or a redelivered task harmless.

The one residual duplicate: a worker that dies after the mail left but before the row
says "sent" is retried once its lease ends (at most one extra email)."""

import datetime
import uuid
from dataclasses import dataclass, field

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from credentials.models import ReminderLog, ReminderStage, RenewalInvoice

from .progress import progress_expressions

SEND_TASK = "reminders.send"  # renewal_portal.tasks.reminder_send_task
STALE_CLAIM = datetime.timedelta(minutes=30)
# The invoice date each anchor names; issued_at is a moment, taken as a date in Colorado.
ANCHOR_ON_OR_BEFORE = {
    ReminderStage.Anchor.ISSUED: "issued_at__date__lte",
    ReminderStage.Anchor.DUE: "due_on__lte",
    ReminderStage.Anchor.GRACE_END: "grace_ends_on__lte",
}
ANCHOR_ORDER = [
    ReminderStage.Anchor.ISSUED,
    ReminderStage.Anchor.DUE,
    ReminderStage.Anchor.GRACE_END,
]


def stages_in_order():
    stages = list(ReminderStage.objects.filter(active=True))
    return sorted(stages, key=lambda s: (ANCHOR_ORDER.index(s.anchor), s.offset_days))


def _reached(stage, today):
    """Invoices whose date for `stage` (anchor + offset) is today or earlier."""
    return Q(**{ANCHOR_ON_OR_BEFORE[stage.anchor]: today - datetime.timedelta(stage.offset_days)})


def needing_reminders():
    """Invoices whose holder still has something to do (the progress model's answer)."""
    return RenewalInvoice.objects.filter(progress_expressions()["awaiting_holder"])


def due_for_stage(stage, following, today):
    """Invoices for which `stage` is the latest reminder reached (older ones are skipped
    rather than sent late) and that have not had it."""
    invoices = needing_reminders().filter(_reached(stage, today), grace_ends_on__gte=today)
    if following is not None:
        invoices = invoices.exclude(_reached(following, today))
    already = ReminderLog.objects.filter(invoice=OuterRef("pk"), stage=stage)
    return invoices.exclude(Exists(already))


@dataclass
class SweepResult:
    claimed: dict = field(default_factory=dict)  # stage code → count
    requeued: int = 0
    log_ids: list = field(default_factory=list)

    @property
    def total(self):
        return sum(self.claimed.values())


def reminders_sweep(*, today=None, now=None, batch_size=5000, dry_run=False):
    """Claim every due reminder in bulk and queue one send task per claim."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = SweepResult()
    stages = stages_in_order()
    for stage, following in zip(stages, [*stages[1:], None], strict=True):
        invoice_ids = due_for_stage(stage, following, today).values_list("pk", flat=True)
        if dry_run:
            result.claimed[stage.code] = invoice_ids.count()
            continue
        claimed = []
        batch = []
        for invoice_id in invoice_ids.iterator(chunk_size=batch_size):
            batch.append(invoice_id)
            if len(batch) >= batch_size:
                claimed += _claim(stage, batch, now)
                batch = []
        if batch:
            claimed += _claim(stage, batch, now)
        result.claimed[stage.code] = len(claimed)
        result.log_ids += claimed
    if not dry_run:
        result.requeued = _requeue_stalled(now)
    return result


def _claim(stage, invoice_ids, now):
    """Insert claim rows; the unique (invoice, stage) lets only one sweep win each."""
    token = uuid.uuid4()
    with transaction.atomic():
        ReminderLog.objects.bulk_create(
            [
                ReminderLog(invoice_id=pk, stage=stage, claim_token=token, claimed_at=now)
                for pk in invoice_ids
            ],
            ignore_conflicts=True,
        )
        rows = list(ReminderLog.objects.filter(claim_token=token))
        _record_history(rows, reason="claimed by the reminder sweep", now=now, created=True)
        mine = [row.pk for row in rows]
        transaction.on_commit(lambda: _enqueue(mine))
    return mine


def _record_history(logs, *, reason, now=None, created=False):
    """Bulk inserts and conditional updates skip simple-history's signals; the claim and
    lease steps are state changes like any other, so their history rows are written here."""
    ReminderLog.history.bulk_history_create(
        logs, update=not created, default_change_reason=reason, default_date=now or timezone.now()
    )


def _enqueue(log_ids):
    # The send task is looked up by its name, not imported: renewal_portal.tasks (the thin
    # task entry points) imports this module, so importing it back would close a cycle.
    # RenewalPortalConfig.ready() imports the tasks, so the name is registered in every
    # process. The current app, as a shared task's .delay() would use (a test's own app too).
    send = current_app.tasks[SEND_TASK]
    for log_id in log_ids:
        send.delay(log_id)


def _requeue_stalled(now):
    """Claims whose task was lost, or whose sender died mid-send, go out again."""
    stalled = list(
        ReminderLog.objects.filter(
            Q(status=ReminderLog.Status.CLAIMED, claimed_at__lt=now - STALE_CLAIM)
            | Q(status=ReminderLog.Status.SENDING, lease_expires_at__lt=now)
        ).values_list("pk", flat=True)
    )
    if stalled:
        transaction.on_commit(lambda: _enqueue(stalled))
    return len(stalled)


def reminder_take(*, log_id, now=None):
    """Take the claim for sending: only one sender at a time, and never a sent one.
    Returns the log row, or None when there is nothing to do."""
    now = now or timezone.now()
    # Read at each take so a deployment (or the worker-kill test) can set it.
    lease = datetime.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    taken = (
        ReminderLog.objects.filter(pk=log_id)
        .filter(
            Q(status__in=[ReminderLog.Status.CLAIMED, ReminderLog.Status.FAILED])
            | Q(status=ReminderLog.Status.SENDING, lease_expires_at__lt=now)
        )
        .update(status=ReminderLog.Status.SENDING, lease_expires_at=now + lease)
    )
    if not taken:
        return None
    log = ReminderLog.objects.select_related("invoice__holder", "invoice__cycle", "stage").get(
        pk=log_id
    )
    _record_history([log], reason="taken for sending", now=now)
    return log


def reminder_release(*, log, error):
    """A send failed: give the claim back (for the retry) and note why."""
    released = ReminderLog.objects.filter(pk=log.pk, status=ReminderLog.Status.SENDING).update(
        status=ReminderLog.Status.CLAIMED,
        lease_expires_at=None,
        attempts=F("attempts") + 1,
        last_error=str(error)[:2000],
    )
    if released:
        _record_history([ReminderLog.objects.get(pk=log.pk)], reason="send failed; queued again")


def reminder_mark_sent(*, log, sent_to, now=None):
    """Record the outcome of a send: the address it went to, or, when the holder has no
    verified address (`sent_to` None), that nothing was sent, so staff can see who
    the policy could not reach."""
    log.status = ReminderLog.Status.SENT if sent_to else ReminderLog.Status.SKIPPED
    log.sent_at = now or timezone.now()
    log.sent_to = sent_to or ""
    log.attempts += 1
    log.last_error = ""
    log.save(update_fields=["status", "sent_at", "sent_to", "attempts", "last_error"])
    return log


def reminder_mark_failed(*, log_id, error):
    """Retries are exhausted: staff see it in the admin and can resend it by hand."""
    log = ReminderLog.objects.get(pk=log_id)
    if log.status == ReminderLog.Status.SENT:
        return
    log.status = ReminderLog.Status.FAILED
    log.last_error = str(error)[:2000]
    log.save(update_fields=["status", "last_error"])


def reminder_resend(*, log, actor):
    """Staff send a reminder again by hand (the row records it)."""
    log.status = ReminderLog.Status.CLAIMED
    log._history_user = actor
    log._change_reason = "resent by staff"
    log.save(update_fields=["status"])
    transaction.on_commit(lambda: _enqueue([log.pk]))
