"""Submission pages: the holder submits the cycle's CECs in one go (renewal step 4), and
NAAEI reviewers work through the queue of pending submissions, a page per submission."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from core.errors import ApplicationError
from core.safe_csv import csv_response
from credentials.selectors import current_cycle, holder_invoice
from holders.mixins import HolderRequiredMixin

from ..ledger.selectors import OPEN_SUBMISSION, cec_status, missing_message
from ..models import Submission
from .queue import queue_page
from .selectors import (
    changes_since_rejection,
    decisions_for_cycle,
    holder_submissions,
    submission_for_review,
)
from .services import submission_approve, submission_create, submission_reject

# --- The holder submits -------------------------------------------------------------


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
                "changes": changes_since_rejection(status=status, submissions=submissions),
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


# --- NAAEI reviewers ----------------------------------------------------------------


class ReviewerRequiredMixin(LoginRequiredMixin):
    """Reviewers only: holders get a 404 (nothing here is theirs), other staff a 403."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not user.has_perm("cecs.review_submission"):
            if not user.is_staff:
                raise Http404
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class QueueView(ReviewerRequiredMixin, TemplateView):
    template_name = "cecs/review_queue.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**queue_page(query=self.request.GET), **kwargs)


class RejectForm(forms.Form):
    """Why the submission is rejected: a reason, and for each entry not accepted, why."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        label="Reason",
        help_text="The holder sees this reason; say what to fix. It may stay empty when "
        "you name entries below.",
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        for line in lines:
            entry = line.entry
            self.fields[f"not_accepted_{entry.pk}"] = forms.CharField(
                required=False,
                max_length=300,
                label=f"{entry.title} ({entry.earned_on:%b} {entry.earned_on.day}, "
                f"{entry.earned_on.year}): not accepted because",
                help_text="Leave empty if NAAEI accepts this entry.",
            )

    def not_accepted(self):
        """{entry id: why} for the entries named."""
        prefix = "not_accepted_"
        return {
            int(name.removeprefix(prefix)): value.strip()
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix) and value.strip()
        }

    def clean(self):
        cleaned_data = super().clean()
        if not (cleaned_data.get("reason") or "").strip() and not self.not_accepted():
            raise forms.ValidationError(
                "Give the reason for rejecting, or say why an entry is not accepted: "
                "the holder sees it."
            )
        return cleaned_data


class SubmissionView(ReviewerRequiredMixin, TemplateView):
    template_name = "cecs/review_detail.html"

    def get_context_data(self, reject_form=None, **kwargs):
        try:
            submission = submission_for_review(pk=kwargs["pk"])
        except Submission.DoesNotExist as error:
            raise Http404 from error
        reject_form = reject_form or RejectForm(lines=submission.lines.all())
        return super().get_context_data(submission=submission, reject_form=reject_form, **kwargs)


def next_pending_url(after):
    following = (
        Submission.objects.filter(status=Submission.Status.PENDING)
        .filter(submitted_at__gte=after.submitted_at)
        .exclude(pk=after.pk)
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following:
        return reverse("cecs:review_detail", args=[following])
    return reverse("cecs:review_queue")


class DecideView(ReviewerRequiredMixin, View):
    """POST approve or reject; a decision already taken by someone else is a 409."""

    action = None

    def post(self, request, pk):
        submission = Submission.objects.filter(pk=pk).first()
        if submission is None:
            raise Http404
        try:
            if self.action == "approve":
                submission_approve(submission=submission, reviewer=request.user)
                messages.success(request, f"Approved: {submission.holder}.")
            else:
                form = RejectForm(request.POST, lines=submission.lines.select_related("entry"))
                if not form.is_valid():
                    return self.render_detail(request, pk, status=400, reject_form=form)
                submission_reject(
                    submission=submission,
                    reviewer=request.user,
                    reason=form.cleaned_data["reason"],
                    not_accepted=form.not_accepted(),
                )
                messages.success(request, f"Rejected: {submission.holder}.")
        except ApplicationError as error:
            messages.error(request, str(error))
            return self.render_detail(request, pk, status=409)
        return redirect(next_pending_url(submission))

    def render_detail(self, request, pk, *, status, reject_form=None):
        view = SubmissionView()
        view.setup(request, pk=pk)
        context = view.get_context_data(pk=pk, reject_form=reject_form)
        return TemplateResponse(request, view.template_name, context, status=status)


class DecisionsCsvView(ReviewerRequiredMixin, View):
    """Every decision of cycle YEAR, for NAAEI's records."""

    header = [
        "cycle",
        "member number",
        "holder",
        "email",
        "CECs owed",
        "CECs submitted",
        "submitted at",
        "decision",
        "decided at",
        "decided by",
        "reason",
    ]

    def get(self, request, year):
        rows = (
            [
                sub.cycle.year,
                sub.holder.member_number,
                sub.holder.full_name,
                sub.holder.email,
                sub.cecs_owed,
                sub.total_hours,
                sub.submitted_at.isoformat(),
                sub.status,
                sub.decided_at.isoformat(),
                sub.decided_by.email,
                sub.rejection_reason,
            ]
            for sub in decisions_for_cycle(year=year)
        )
        return csv_response(f"cec-decisions-{year}.csv", self.header, rows)


queue_view = QueueView.as_view()
submission_view = SubmissionView.as_view()
approve_view = DecideView.as_view(action="approve")
reject_view = DecideView.as_view(action="reject")
decisions_csv_view = DecisionsCsvView.as_view()
