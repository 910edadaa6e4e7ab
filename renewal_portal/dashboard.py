"""The holder's renewal dashboard: the seed's four steps, composed from every app."""

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from credentials.selectors import current_cycle, holder_credentials, holder_invoice
from holders.selectors import contact_confirmation_for, holder_for_user


@dataclass
class Step:
    number: int
    title: str
    state: str  # done | todo | waiting | unavailable | not_needed
    detail: str
    action_label: str = ""
    action_url: str = ""

    @property
    def is_done(self):
        return self.state in ("done", "not_needed")


STATE_LABELS = {
    "done": "Done",
    "todo": "To do",
    "waiting": "Waiting",
    "unavailable": "Not yet available",
    "not_needed": "Not needed",
}


def renewal_steps(*, holder, cycle, invoice, confirmation):
    year = cycle.year
    profile_url = reverse("holders:profile") + f"?year={year}"
    if confirmation:
        contact = Step(
            1,
            "Update your contact information",
            "done",
            f"Confirmed on {confirmation.confirmed_at:%B %-d, %Y}.",
            "Review",
            profile_url,
        )
    else:
        contact = Step(
            1,
            "Update your contact information",
            "todo",
            f"Check and confirm your details for the {year} renewal.",
            "Confirm contact details",
            profile_url,
        )

    if invoice is None:
        payment = Step(
            2,
            "Pay your renewal invoice",
            "waiting",
            f"Your {year} invoice has not been issued yet.",
        )
    elif invoice.is_settled:
        label = "Fee waived by AASC." if invoice.fee_waived else "Paid. Thank you."
        payment = Step(
            2,
            "Pay your renewal invoice",
            "done",
            label,
            "View invoice",
            reverse("credentials:invoice", args=[invoice.number]),
        )
    else:
        payment = Step(
            2,
            "Pay your renewal invoice",
            "todo",
            "Your invoice is open. Online card payment is not yet available.",
            "View invoice",
            reverse("credentials:invoice", args=[invoice.number]),
        )

    if invoice is not None and not invoice.owes_cecs:
        reason = "CECs are waived for this renewal." if invoice.cecs_waived else "No CECs owed."
        cec_status = Step(3, "Check your CEC status", "not_needed", reason)
        submission = Step(4, "Submit outstanding CECs online", "not_needed", reason)
    else:
        owed = (
            f"{invoice.cecs_owed.normalize():f} CECs earned in {invoice.cec_window_end.year}"
            if invoice
            else "the CECs on your invoice"
        )
        cec_status = Step(
            3,
            "Check your CEC status",
            "unavailable",
            f"You owe {owed}. CEC tracking is not yet available in the portal.",
        )
        submission = Step(
            4,
            "Submit outstanding CECs online",
            "unavailable",
            "Online CEC submission is not yet available in the portal.",
        )
    return [contact, payment, cec_status, submission]


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "portal/dashboard.html"

    def get(self, request, *args, **kwargs):
        self.holder = holder_for_user(user=request.user)
        if self.holder is None:
            return redirect("holders:profile")  # claims or creates the record first
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        cycle = current_cycle()
        credentials = list(holder_credentials(holder=self.holder))
        context = {"holder": self.holder, "cycle": cycle, "credentials": credentials}
        if cycle is not None:
            invoice = holder_invoice(holder=self.holder, cycle=cycle)
            context["invoice"] = invoice
            context["renews"] = invoice is not None
            if invoice is not None:
                steps = renewal_steps(
                    holder=self.holder,
                    cycle=cycle,
                    invoice=invoice,
                    confirmation=contact_confirmation_for(
                        holder=self.holder, cycle_year=cycle.year
                    ),
                )
                context["steps"] = steps
                context["next_step"] = next((s for s in steps if s.state == "todo"), None)
                context["complete"] = invoice.completed_at is not None
        context["state_labels"] = STATE_LABELS
        return super().get_context_data(**context, **kwargs)


dashboard_view = DashboardView.as_view()
