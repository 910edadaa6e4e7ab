"""The holder's renewal dashboard: the seed's four steps, composed from every app."""

from dataclasses import dataclass

from django.db.models import TextChoices
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from cecs.selectors import cec_progress, cec_status, holder_submissions
from core.formatting import dollars, format_hours
from credentials.selectors import (
    amount_due_cents,
    current_cycle,
    holder_credentials,
    holder_invoice,
)
from holders.mixins import HolderRequiredMixin
from holders.selectors import contact_confirmation_for


class StepState(TextChoices):
    # The values are what the dashboard template compares, so they stay these strings.
    DONE = "done", "Done"
    TODO = "todo", "To do"
    WAITING = "waiting", "Waiting"
    NOT_NEEDED = "not_needed", "Not needed"


@dataclass
class Step:
    number: int
    title: str
    state: StepState
    detail: str
    action_label: str = ""
    action_url: str = ""

    @property
    def is_done(self):
        return self.state in (StepState.DONE, StepState.NOT_NEEDED)


STATE_LABELS = dict(StepState.choices)


def contact_step(*, year, confirmation):
    url = reverse("holders:profile") + f"?year={year}"
    title = "Update your contact information"
    if confirmation:
        when = f"{timezone.localtime(confirmation.confirmed_at):%B %-d, %Y}"
        return Step(1, title, StepState.DONE, f"Confirmed on {when}.", "Review", url)
    detail = f"Check and confirm your details for the {year} renewal."
    return Step(1, title, StepState.TODO, detail, "Confirm contact details", url)


def payment_step(*, year, invoice):
    title = "Pay your renewal invoice"
    if invoice is None:
        return Step(2, title, StepState.WAITING, f"Your {year} invoice has not been issued yet.")
    url = reverse("credentials:invoice", args=[invoice.number])
    if invoice.is_settled:
        detail = "Fee waived by AASC." if invoice.fee_waived else "Paid. Thank you."
        return Step(2, title, StepState.DONE, detail, "View invoice", url)
    if invoice.status == invoice.Status.REFUNDED:
        detail = "Your payment was refunded; pay again to renew."
    else:
        detail = f"Pay {dollars(amount_due_cents(invoice=invoice))} by credit or debit card."
    return Step(2, title, StepState.TODO, detail, "View and pay invoice", url)


def cec_steps(*, invoice, cecs, submission):
    status_title, submit_title = "Check your CEC status", "Submit outstanding CECs online"
    if invoice is not None and not invoice.owes_cecs:
        reason = "CECs are waived for this renewal." if invoice.cecs_waived else "No CECs owed."
        return [
            Step(3, status_title, StepState.NOT_NEEDED, reason),
            Step(4, submit_title, StepState.NOT_NEEDED, reason),
        ]
    url = reverse("cecs:status")
    if cecs.is_met:
        detail = f"{format_hours(cecs.total)} CECs count; you owe {format_hours(cecs.owed)}."
        status = Step(3, status_title, StepState.DONE, detail, "View CEC status", url)
    else:
        detail = (
            f"{format_hours(cecs.missing)} more CECs needed, earned in {cecs.window_end.year} "
            f"({format_hours(cecs.total)} of {format_hours(cecs.owed)} so far)."
        )
        status = Step(3, status_title, StepState.TODO, detail, "View CEC status", url)
    submit = submission_step(cecs=cecs, submission=submission)
    return [status, submit]


def submission_step(*, cecs, submission):
    title, url = "Submit outstanding CECs online", reverse("cecs:submit")
    if submission is not None:
        when = f"{timezone.localtime(submission.decided_at or submission.submitted_at):%B %-d, %Y}"
        if submission.status == submission.Status.APPROVED:
            return Step(4, title, StepState.DONE, f"Approved by NAAEI on {when}.")
        if submission.status == submission.Status.PENDING:
            return Step(
                4, title, StepState.WAITING, f"Submitted on {when}; waiting for NAAEI review."
            )
        reason = submission.rejection_reason.rstrip()
        if not reason.endswith((".", "!", "?")):
            reason += "."
        detail = f"NAAEI did not approve your submission: {reason} Correct it and submit again."
        return Step(4, title, StepState.TODO, detail, "Submit again", url)
    if cecs.is_met:
        detail = f"Submit your {format_hours(cecs.total)} CECs to NAAEI, all in one submission."
        return Step(4, title, StepState.TODO, detail, "Submit CECs", url)
    return Step(
        4, title, StepState.WAITING, "Earn the missing CECs first; then submit them all at once."
    )


def renewal_steps(*, cycle, invoice, confirmation, cecs, submission=None):
    return [
        contact_step(year=cycle.year, confirmation=confirmation),
        payment_step(year=cycle.year, invoice=invoice),
        *cec_steps(invoice=invoice, cecs=cecs, submission=submission),
    ]


class DashboardView(HolderRequiredMixin, TemplateView):
    template_name = "portal/dashboard.html"

    def get_context_data(self, **kwargs):
        cycle = current_cycle()
        credentials = list(holder_credentials(holder=self.holder))
        context = {"holder": self.holder, "cycle": cycle, "credentials": credentials}
        if cycle is not None:
            invoice = holder_invoice(holder=self.holder, cycle=cycle)
            context["invoice"] = invoice
            context["renews"] = invoice is not None
            if invoice is not None:
                cecs = cec_status(holder=self.holder, cycle=cycle, invoice=invoice)
                context["progress"] = cec_progress(cecs) if invoice.owes_cecs else None
                steps = renewal_steps(
                    cycle=cycle,
                    invoice=invoice,
                    confirmation=contact_confirmation_for(
                        holder=self.holder, cycle_year=cycle.year
                    ),
                    cecs=cecs,
                    submission=holder_submissions(holder=self.holder, cycle=cycle).first(),
                )
                context["steps"] = steps
                context["next_step"] = next((s for s in steps if s.state == StepState.TODO), None)
                context["complete"] = invoice.completed_at is not None
        context["state_labels"] = STATE_LABELS
        return super().get_context_data(**context, **kwargs)


dashboard_view = DashboardView.as_view()
