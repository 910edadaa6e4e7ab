"""The holder's renewal dashboard: the seed's four steps, composed from every app."""

from dataclasses import dataclass

from django.db.models import TextChoices
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from cecs.ledger.selectors import cec_progress
from cecs.reporting.selectors import returned_forms
from core.formatting import dollars, format_hours
from core.page_cache import cached_part, render_part
from credentials.selectors import (
    current_cycle,
    holder_credentials_with_standing,
    renewed_on_invoice,
)
from holders.mixins import HolderRequiredMixin
from holders.renewal_version import renewal_cache_key

from .progress import invoice_with_facts, renewal_progress


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


def contact_step(*, year, confirmed_at):
    url = reverse("holders:profile") + f"?year={year}"
    title = "Update your contact information"
    if confirmed_at is not None:
        when = f"{timezone.localtime(confirmed_at):%B %-d, %Y}"
        return Step(1, title, StepState.DONE, f"Confirmed on {when}.", "Review", url)
    detail = f"Check and confirm your details for the {year} renewal."
    return Step(1, title, StepState.TODO, detail, "Confirm contact details", url)


def payment_step(*, progress):
    title, invoice = "Pay your renewal invoice", progress.invoice
    url = reverse("payments:invoice", args=[invoice.number])
    if progress.settled:
        detail = "Fee waived by AASC." if invoice.fee_waived else "Paid. Thank you."
        return Step(2, title, StepState.DONE, detail, "View invoice", url)
    if invoice.status == invoice.Status.REFUNDED:
        detail = "Your payment was refunded; pay again to renew."
    else:
        detail = f"Pay {dollars(progress.amount_due_cents)} by credit or debit card."
    return Step(2, title, StepState.TODO, detail, "View and pay invoice", url)


def forms_note(progress):
    """The holder's reporting forms that AASC has not counted yet, in words ("" if none)."""
    notes = []
    if progress.forms_returned:
        # Named with AASC's reason: one more query, only for holders with a returned form.
        for form in returned_forms(holder=progress.invoice.holder_id):
            reason = form.returned_reason.strip().rstrip(".")
            notes.append(
                f"AASC returned your form “{form.title}”: {reason}. Correct it and submit it "
                "again to count its CECs."
            )
    if progress.forms_waiting:
        notes.append(f"{_forms(progress.forms_waiting)} waiting for AASC to verify.")
    return " ".join(notes)


def _forms(count):
    return "1 form" if count == 1 else f"{count} forms"


def cec_steps(*, progress):
    status_title, submit_title = "Check your CEC status", "Submit outstanding CECs online"
    invoice, cecs = progress.invoice, progress.cecs
    if not progress.owes_cecs:
        reason = "CECs are waived for this renewal." if invoice.cecs_waived else "No CECs owed."
        return [
            Step(3, status_title, StepState.NOT_NEEDED, reason),
            Step(4, submit_title, StepState.NOT_NEEDED, reason),
        ]
    url = reverse("cecs:status")
    if progress.cecs_met:
        detail = f"{format_hours(cecs.total)} CECs count; you owe {format_hours(cecs.owed)}."
        status = Step(3, status_title, StepState.DONE, detail, "View CEC status", url)
    else:
        detail = (
            f"{format_hours(cecs.missing)} more CECs needed, earned in {cecs.window_end.year} "
            f"({format_hours(cecs.total)} of {format_hours(cecs.owed)} so far)."
        )
        if note := forms_note(progress):
            detail = f"{detail} {note}"
        status = Step(3, status_title, StepState.TODO, detail, "View CEC status", url)
    return [status, submission_step(progress=progress)]


def submission_step(*, progress):
    title, url = "Submit outstanding CECs online", reverse("cecs:submit")
    submission, cecs = progress.submission, progress.cecs
    if submission is not None:
        when = f"{timezone.localtime(submission.decided_at or submission.submitted_at):%B %-d, %Y}"
        if progress.approved:
            return Step(4, title, StepState.DONE, f"Approved by NAAEI on {when}.")
        if progress.cecs_handed_in:
            return Step(
                4, title, StepState.WAITING, f"Submitted on {when}; waiting for NAAEI review."
            )
        reason = submission.rejection_reason.rstrip()
        if not reason.endswith((".", "!", "?")):
            reason += "."
        detail = f"NAAEI did not approve your submission: {reason}"
        if named := not_accepted_text(submission):
            detail = f"{detail} {named}"
        detail += " Correct it and submit again."
        return Step(4, title, StepState.TODO, detail, "Submit again", url)
    if progress.needs_submission:
        detail = f"Submit your {format_hours(cecs.total)} CECs to NAAEI, all in one submission."
        return Step(4, title, StepState.TODO, detail, "Submit CECs", url)
    return Step(
        4, title, StepState.WAITING, "Earn the missing CECs first; then submit them all at once."
    )


def not_accepted_text(submission):
    """The entries NAAEI named in rejecting `submission`, in words ("" if none)."""
    lines = submission.not_accepted_lines()
    named = [f"“{line.entry.title}” ({line.not_accepted_reason.rstrip('.')})" for line in lines]
    if not named:
        return ""
    them = "it" if len(named) == 1 else "them"
    return (
        f"Not accepted, so no longer counted: {'; '.join(named)}. Replace {them} with other CECs."
    )


def renewal_steps(*, progress):
    year = progress.invoice.cycle.year
    return [
        contact_step(year=year, confirmed_at=progress.contact_confirmed_at),
        payment_step(progress=progress),
        *cec_steps(progress=progress),
    ]


@dataclass(frozen=True)
class NextAction:
    heading: str
    detail: str
    label: str
    url: str


def next_action(*, holder):
    """What comes next in the holder's current renewal, for the pages that finish a step
    (core.next_step.renewal_next_action): the first step to do, what they wait for, or that
    the renewal is complete; None when they renew nothing this cycle."""
    cycle = current_cycle()
    invoice = invoice_with_facts(holder=holder, cycle=cycle) if cycle is not None else None
    if invoice is None:
        return None
    progress = renewal_progress(invoice=invoice)
    dashboard = reverse("dashboard")
    if progress.complete:
        return NextAction(
            f"Your {cycle.year} renewal is complete",
            "Nothing else is needed.",
            "See your renewal",
            dashboard,
        )
    steps = renewal_steps(progress=progress)
    step = next((s for s in steps if s.state == StepState.TODO), None)
    if step is not None:
        heading = f"Next: {step.title[0].lower()}{step.title[1:]}"
        return NextAction(heading, step.detail, step.action_label, step.action_url)
    waiting = next((s for s in steps if not s.is_done), None)
    detail = waiting.detail if waiting is not None else "AASC and NAAEI complete your renewal."
    return NextAction("Next: nothing for you to do now", detail, "See your renewal", dashboard)


def dashboard_context(*, holder):
    """What the dashboard shows about `holder`'s renewal (portal/_dashboard_content.html)."""
    cycle = current_cycle()
    credentials = holder_credentials_with_standing(holder=holder)
    context = {"holder": holder, "cycle": cycle, "credentials": credentials}
    if cycle is not None:
        invoice = invoice_with_facts(holder=holder, cycle=cycle)
        context["invoice"] = invoice
        context["renews"] = invoice is not None
        if invoice is not None:
            progress = renewal_progress(invoice=invoice)
            context["progress"] = cec_progress(progress.cecs) if invoice.owes_cecs else None
            steps = renewal_steps(progress=progress)
            context["steps"] = steps
            context["next_step"] = next((s for s in steps if s.state == StepState.TODO), None)
            context["complete"] = progress.complete
            # "CAM renewed, valid through December 31, 2027", with each renewal card.
            context["renewed"] = renewed_on_invoice(invoice=invoice)
    context["state_labels"] = STATE_LABELS
    return context


class DashboardView(HolderRequiredMixin, TemplateView):
    template_name = "portal/dashboard.html"

    def get_context_data(self, **kwargs):
        # The page's own content is the same for every view until the holder's renewal
        # changes (or the day, the code or the reference data): cached by its version.
        content = cached_part(
            key=renewal_cache_key(holder=self.holder, page="dashboard"),
            render=lambda: render_part(
                "portal/_dashboard_content.html", dashboard_context(holder=self.holder)
            ),
        )
        return super().get_context_data(content=content, **kwargs)  # a SafeString, cached


dashboard_view = DashboardView.as_view()
