"""Renewal step 4: the holder submits the cycle's CECs in one go."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import TemplateView

from core.errors import ApplicationError
from credentials.selectors import current_cycle, holder_invoice
from holders.mixins import HolderRequiredMixin

from .selectors import OPEN_SUBMISSION, cec_status, holder_submissions, missing_message
from .services import submission_create


class SubmitView(HolderRequiredMixin, TemplateView):
    template_name = "cecs/submit.html"

    def get_context_data(self, **kwargs):
        cycle = current_cycle()
        context = {"cycle": cycle}
        if cycle is not None:
            invoice = holder_invoice(holder=self.holder, cycle=cycle)
            status = cec_status(holder=self.holder, cycle=cycle, invoice=invoice)
            submissions = list(holder_submissions(holder=self.holder, cycle=cycle))
            context |= {
                "open_submission": next(
                    (sub for sub in submissions if sub.status in OPEN_SUBMISSION), None
                ),
                "invoice": invoice,
                "status": status,
                "missing_message": None if status.is_met else missing_message(status),
                "submissions": submissions,
            }
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        cycle = current_cycle()
        if cycle is None:
            messages.error(request, "No renewal season is open right now.")
            return redirect("dashboard")
        try:
            submission = submission_create(holder=self.holder, cycle=cycle, actor=request.user)
        except ApplicationError as error:
            messages.error(request, str(error))
            return redirect("cecs:submit")
        messages.success(
            request,
            f"Your {cycle.year} CECs ({submission.total_hours.normalize():f}) are submitted to "
            "NAAEI. We will email you when they are reviewed.",
        )
        return redirect("dashboard")


submit_view = SubmitView.as_view()
