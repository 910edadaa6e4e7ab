"""Claiming an imported holder record from an account that signed up with another address
(the rules: holders.services, "Claiming an imported record")."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView
from django_ratelimit.core import is_ratelimited

from core.errors import ApplicationError

from .forms import RecordClaimForm
from .record_claims import (
    RECORD_CLAIM_MAX_AGE,
    claim_refusal,
    record_claim_confirm,
    record_claim_from_token,
    record_claim_request,
)

# Per account and per client address ("ip" is core.client_ip.client_ip: RATELIMIT_IP_META_KEY).
CLAIM_ATTEMPTS_PER_HOUR = "5/h"
THROTTLED = (
    "You have tried to find your record {count} times in the last hour, as many as we allow. "
    "Nothing was sent. Please try again in an hour, or contact the AASC office."
)


def claim_throttled(request):
    """Counts one attempt for the account and one for the client address."""
    limited = [
        is_ratelimited(
            request,
            group="holders-record-claim",
            key=key,
            rate=CLAIM_ATTEMPTS_PER_HOUR,
            increment=True,
        )
        for key in ("user", "ip")
    ]
    return any(limited)


class AccountRequiredMixin(LoginRequiredMixin):
    """A signed-in person's own account; staff accounts have no record to claim (404)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_staff:
            raise Http404("Staff accounts have no holder record.")
        return super().dispatch(request, *args, **kwargs)


class RecordClaimView(AccountRequiredMixin, FormView):
    """Find my record. Answers the same whether or not anything matched: the look-up
    runs in a task after the response (holders.record_claims.record_claim_request)."""

    template_name = "holders/claim.html"
    form_class = RecordClaimForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_staff:
            refusal = claim_refusal(account=request.user)
            if refusal:
                messages.info(request, refusal)
                return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(account_email=self.request.user.email, **kwargs)

    def form_valid(self, form):
        if claim_throttled(self.request):
            count = CLAIM_ATTEMPTS_PER_HOUR.split("/")[0]
            return self.render_to_response(
                self.get_context_data(form=form, throttled=THROTTLED.format(count=count)),
                status=429,
            )
        try:
            record_claim_request(account=self.request.user, **form.cleaned_data)
        except ApplicationError as error:  # the account's own record filled up meanwhile
            messages.error(self.request, str(error))
            return redirect("home")
        sent = reverse("holders:claim_sent")
        return redirect(f"{sent}?check=staff" if form.cleaned_data["lost_email_access"] else sent)

    def form_invalid(self, form):
        messages.error(self.request, "Nothing was sent: please correct the fields marked below.")
        return super().form_invalid(form)


class RecordClaimSentView(AccountRequiredMixin, TemplateView):
    """The one answer, whether a record matched or not."""

    template_name = "holders/claim_sent.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            staff_check=self.request.GET.get("check") == "staff",
            account_email=self.request.user.email,
            valid_days=RECORD_CLAIM_MAX_AGE.days,
            **kwargs,
        )


class RecordClaimConfirmView(AccountRequiredMixin, TemplateView):
    """The link mailed to the record's address. Opening it shows what it links; the button
    (POST) links it, so a mail scanner that fetches links changes nothing."""

    template_name = "holders/claim_confirm.html"

    def get(self, request, *args, **kwargs):
        try:
            record = record_claim_from_token(account=request.user, token=kwargs["token"])
        except ApplicationError as error:
            return self.render_to_response({"error": str(error)}, status=400)
        return self.render_to_response({"record": record, "account_email": request.user.email})

    def post(self, request, *args, **kwargs):
        try:
            record = record_claim_confirm(account=request.user, token=kwargs["token"])
        except ApplicationError as error:
            return self.render_to_response({"error": str(error)}, status=400)
        messages.success(
            request,
            f"The record of {record.full_name} is now linked to your account. "
            "Please check your contact details for the renewal.",
        )
        return redirect("home")


record_claim_view = RecordClaimView.as_view()
record_claim_sent_view = RecordClaimSentView.as_view()
record_claim_confirm_view = RecordClaimConfirmView.as_view()
