"""What a reminder says: what the holder still has to do, from every app's selectors."""

from cecs.selectors import cec_status, holder_submissions
from credentials.selectors import amount_due_cents
from holders.mail import send_holder_email
from holders.selectors import contact_confirmation_for


def reminder_context(*, invoice, today=None):
    holder = invoice.holder
    cycle = invoice.cycle
    context = {
        "holder": holder,
        "invoice": invoice,
        "cycle": cycle,
        "needs_contact": contact_confirmation_for(holder=holder, cycle_year=cycle.year) is None,
        "needs_payment": invoice.is_payable,
        "amount_due_cents": amount_due_cents(invoice=invoice, today=today),
        "cecs": None,
        "needs_submission": False,
    }
    open_submission = holder_submissions(holder=holder, cycle=cycle).filter(
        status__in=["pending", "approved"]
    )
    if invoice.owes_cecs and not open_submission.exists():
        status = cec_status(holder=holder, cycle=cycle, invoice=invoice)
        context["cecs"] = status
        context["needs_submission"] = status.is_met
    return context


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
