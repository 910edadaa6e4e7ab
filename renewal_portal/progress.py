"""Where a holder's renewal for one cycle stands, defined once: for one invoice in Python
(`renewal_progress`, with the details pages show) and for many invoices in SQL
(`progress_expressions`, for the reminders' selection, the season overview and the admin's
filter). tests/renewal_portal/test_progress_agreement.py shows the two agree.

The CEC part is cecs' rule (`cec_status` / `cec_count_expressions`); this module adds what
the other apps know (contact confirmation, invoice state, forms, the submission) and the
answers every page and email asks: what is still to do, and is anything left for the holder."""

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from cecs.ledger.selectors import OPEN_SUBMISSION, cec_count_expressions, cec_status
from cecs.models import ReportingForm, Submission
from core.formatting import dollars, format_hours
from credentials.models import RenewalInvoice
from credentials.selectors import amount_due_cents, renewed_on_invoice
from holders.models import ContactConfirmation

FORMS_WAITING = ReportingForm.Status.SUBMITTED  # sent to AASC, not yet verified
FORMS_RETURNED = ReportingForm.Status.RETURNED


@dataclass(frozen=True)
class RenewalProgress:
    invoice: RenewalInvoice
    contact_confirmed_at: object  # a datetime, or None
    cecs: object  # cecs' CecStatus for this invoice
    submission: Submission | None  # the latest one
    forms_waiting: int
    forms_returned: int
    amount_due_cents: int

    @property
    def contact_confirmed(self):
        return self.contact_confirmed_at is not None

    @property
    def settled(self):
        return self.invoice.is_settled

    @property
    def owes_cecs(self):
        return self.invoice.owes_cecs

    @property
    def cecs_met(self):
        return self.cecs.is_met

    @property
    def submitted(self):
        """CECs were submitted for this renewal at least once (the latest may be rejected)."""
        return self.submission is not None

    @property
    def cecs_handed_in(self):
        """Nothing more to hand in: no CECs owed, or a submission pending or approved."""
        return not self.owes_cecs or (
            self.submission is not None and self.submission.status in OPEN_SUBMISSION
        )

    @property
    def approved(self):
        return self.submission is not None and self.submission.status == Submission.Status.APPROVED

    @property
    def complete(self):
        return self.invoice.completed_at is not None

    @property
    def needs_contact(self):
        return not self.contact_confirmed

    @property
    def needs_payment(self):
        return self.invoice.is_payable

    @property
    def needs_cecs(self):
        """CECs owed and not yet enough of them (and none handed in)."""
        return not self.cecs_handed_in and not self.cecs_met

    @property
    def needs_submission(self):
        """Enough CECs count; the holder has still to submit them."""
        return not self.cecs_handed_in and self.cecs_met

    @property
    def awaiting_holder(self):
        """The holder still has something to do, so reminders go to them: not complete,
        not void, and not (settled with the CECs handed in), when only NAAEI can act."""
        if self.complete or self.invoice.status == RenewalInvoice.Status.VOID:
            return False
        return not (self.settled and self.cecs_handed_in)


def _form_count(status):
    forms = (
        ReportingForm.objects.filter(holder=OuterRef("holder"), status=status)
        .order_by()
        .values("holder")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(forms, output_field=IntegerField()), Value(0))


def fact_expressions():
    """What the invoice row does not hold, read with it in the same query: when the contact
    details were confirmed for the cycle's year, and the holder's forms waiting at AASC or
    returned by it."""
    confirmations = ContactConfirmation.objects.filter(
        holder=OuterRef("holder"), cycle_year=OuterRef("cycle__year")
    )
    return {
        "contact_confirmed_at": Subquery(confirmations.values("confirmed_at")[:1]),
        "forms_waiting": _form_count(FORMS_WAITING),
        "forms_returned": _form_count(FORMS_RETURNED),
    }


def invoice_with_facts(*, holder, cycle):
    """The holder's invoice for `cycle` with fact_expressions() annotated, or None."""
    invoices = RenewalInvoice.objects.filter(holder=holder, cycle=cycle).select_related("cycle")
    invoice = invoices.annotate(**fact_expressions()).first()
    if invoice is not None:
        invoice.holder = holder  # the caller's, not a query of its own
    return invoice


def renewal_progress(*, invoice, today=None):
    """Where `invoice`'s renewal stands. An invoice from invoice_with_facts() costs two
    more queries (the ledger and the latest submission); any other invoice, three more."""
    if not hasattr(invoice, "forms_waiting"):
        invoice = invoice_with_facts(holder=invoice.holder, cycle=invoice.cycle)
    submission = Submission.objects.filter(invoice=invoice).order_by("-submitted_at", "-pk").first()
    return RenewalProgress(
        invoice=invoice,
        contact_confirmed_at=invoice.contact_confirmed_at,
        cecs=cec_status(holder=invoice.holder, cycle=invoice.cycle, invoice=invoice),
        submission=submission,
        forms_waiting=invoice.forms_waiting,
        forms_returned=invoice.forms_returned,
        amount_due_cents=amount_due_cents(invoice=invoice, today=today),
    )


def progress_expressions():
    """The same answers as RenewalProgress, as SQL over RenewalInvoice rows (Q objects and
    Exists, usable in .filter(), .alias() and Count(filter=...)). Keys: contact_confirmed,
    settled, cecs_met, submitted, cecs_handed_in, approved, complete, needs_contact,
    needs_payment, needs_cecs, needs_submission, awaiting_holder."""
    submissions = Submission.objects.filter(invoice=OuterRef("pk"))
    contact_confirmed = Exists(
        ContactConfirmation.objects.filter(
            holder=OuterRef("holder"), cycle_year=OuterRef("cycle__year")
        )
    )
    settled = Q(status__in=RenewalInvoice.SETTLED_STATUSES)
    cecs_met = cec_count_expressions()["cecs_met"]
    owes_cecs = Q(cecs_waived=False, cecs_owed__gt=0)
    cecs_handed_in = ~owes_cecs | Exists(submissions.filter(status__in=OPEN_SUBMISSION))
    complete = Q(completed_at__isnull=False)
    return {
        "contact_confirmed": contact_confirmed,
        "settled": settled,
        "cecs_met": cecs_met,
        "submitted": Exists(submissions),
        "cecs_handed_in": cecs_handed_in,
        "approved": Exists(submissions.filter(status=Submission.Status.APPROVED)),
        "complete": complete,
        "needs_contact": ~contact_confirmed,
        "needs_payment": Q(status__in=RenewalInvoice.PAYABLE_STATUSES),
        "needs_cecs": ~cecs_handed_in & ~cecs_met,
        "needs_submission": ~cecs_handed_in & cecs_met,
        "awaiting_holder": ~complete
        & ~Q(status=RenewalInvoice.Status.VOID)
        & ~(settled & cecs_handed_in),
    }


def next_step_text(*, invoice):
    """One sentence for mail: what the holder does next, or that nothing is left to do."""
    progress = renewal_progress(invoice=invoice)
    if progress.complete:
        renewed = "; ".join(c.standing.summary for c in renewed_on_invoice(invoice=invoice))
        if not renewed:
            return "Your renewal is complete. Nothing else is needed."
        return (
            f"Your renewal is complete: {renewed}. Download your renewal card from your "
            "dashboard. Nothing else is needed."
        )
    todo = []
    if progress.needs_payment:
        todo.append(
            f"pay your renewal invoice {invoice.number} ({dollars(progress.amount_due_cents)})"
        )
    if progress.needs_cecs:
        cecs = progress.cecs
        todo.append(
            f"earn {format_hours(cecs.missing)} more CECs dated in {cecs.window_end.year}, "
            "then submit them online for NAAEI approval"
        )
    elif progress.needs_submission:
        todo.append(
            f"check your CEC status and submit your {format_hours(progress.cecs.total)} CECs "
            "online for NAAEI approval"
        )
    if not todo:
        return "What happens next: nothing more from you; NAAEI completes your renewal."
    return f"What to do next: {', then '.join(todo)}."
