"""What a reminder says: what the holder still has to do, from the renewal-progress model."""

from holders.mail import send_holder_email

from .progress import renewal_progress


def reminder_context(*, invoice, today=None):
    progress = renewal_progress(invoice=invoice, today=today)
    return {
        "holder": invoice.holder,
        "invoice": progress.invoice,
        "cycle": invoice.cycle,
        "progress": progress,
        "amount_due_cents": progress.amount_due_cents,
        "cecs": progress.cecs,
    }


def send_reminder(*, log):
    """The address the reminder went to, or None when the holder has no verified one."""
    invoice = log.invoice
    return send_holder_email(
        holder=invoice.holder,
        template=f"reminders/{log.stage.template}",
        context={**reminder_context(invoice=invoice), "stage": log.stage},
    )


def send_manual_reminder(*, invoice):
    send_holder_email(
        holder=invoice.holder,
        template="reminders/from_staff",
        context=reminder_context(invoice=invoice),
    )
