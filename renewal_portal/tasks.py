"""Tasks that compose several apps: the daily reminder sweep and each reminder's send."""

from celery import shared_task

from core.mail_tasks import mail_task


@shared_task(name="reminders.sweep")
def reminders_sweep_task():
    from .reminders import reminders_sweep

    result = reminders_sweep()
    return {"claimed": result.claimed, "requeued": result.requeued}


def _reminder_failed(self, exc, task_id, args, kwargs, einfo):
    from .reminders import reminder_mark_failed

    reminder_mark_failed(log_id=args[0], error=exc)


@mail_task(name="reminders.send", retry_backoff=60, bind=True, on_failure=_reminder_failed)
def reminder_send_task(self, log_id):
    """Send one claimed reminder. A claim already sent, or being sent by another worker
    within its lease, is left alone, so redelivery and duplicates are harmless."""
    from .reminder_content import send_reminder
    from .reminders import reminder_mark_sent, reminder_release, reminder_take

    log = reminder_take(log_id=log_id)
    if log is None:
        return "nothing to do"
    try:
        sent_to = send_reminder(log=log)
    except Exception as error:
        reminder_release(log=log, error=error)  # so the retry can take it again
        raise
    return reminder_mark_sent(log=log, sent_to=sent_to).status


@mail_task(name="reminders.manual", retry_backoff=60)
def manual_reminder_task(invoice_id):
    """A reminder staff send by hand from the invoice list (not a policy stage)."""
    from credentials.models import RenewalInvoice

    from .reminder_content import send_manual_reminder

    invoice = RenewalInvoice.objects.select_related("holder", "cycle").get(pk=invoice_id)
    send_manual_reminder(invoice=invoice)
