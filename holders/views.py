from copy import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.utils.module_loading import import_string
from django.views.generic import FormView, TemplateView, View

from core.errors import ApplicationError
from core.next_step import renewal_next_action

from .forms import ContactDetailsForm
from .mixins import HolderRequiredMixin
from .selectors import contact_confirmation_for, holder_for_user
from .services import (
    email_change_from_token,
    holder_claim_or_create,
    holder_email_change_cancel,
    holder_email_change_confirm,
    holder_email_change_resend,
    holder_update_contact,
    mail_limit_message,
)


def current_renewal_year():
    """The year the current renewal cycle is for. Cycles live in credentials, a layer above
    holders, so the composition layer names the answer in settings.CURRENT_RENEWAL_YEAR
    (a dotted path to a callable) rather than holders importing credentials."""
    return import_string(settings.CURRENT_RENEWAL_YEAR)()


def requested_renewal_year(request):
    """The dashboard links here for its cycle's year; accept only a neighbouring year."""
    default = current_renewal_year()
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if abs(year - default) <= 1 else default


class ContactDetailsView(LoginRequiredMixin, FormView):
    """Renewal step 1. Only ever the signed-in holder's own record."""

    template_name = "holders/contact_details.html"
    form_class = ContactDetailsForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.holder = holder_for_user(user=request.user)
            if self.holder is None and request.user.is_staff:
                raise Http404("Staff accounts have no holder record.")
            if self.holder is None:
                try:
                    self.holder = holder_claim_or_create(user=request.user)
                except ApplicationError as error:
                    messages.error(request, str(error))
                    return redirect("home")
            self.renewal_year = requested_renewal_year(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A copy: an invalid form must not leave half-applied values on the page's holder.
        kwargs["instance"] = copy(self.holder)
        kwargs["confirm_year"] = self.renewal_year
        return kwargs

    def get_context_data(self, **kwargs):
        confirmation = contact_confirmation_for(holder=self.holder, cycle_year=self.renewal_year)
        return super().get_context_data(
            holder=self.holder,
            renewal_year=self.renewal_year,
            confirmation=confirmation,
            # Once step 1 is done, the page leads on to the next step.
            next_action=renewal_next_action(holder=self.holder) if confirmation else None,
            **kwargs,
        )

    def form_valid(self, form):
        confirm = "confirm" in self.request.POST
        try:
            update = holder_update_contact(
                holder=self.holder,
                changes=form.cleaned_data,
                actor=self.request.user,
                confirm_for_year=self.renewal_year if confirm else None,
            )
        except ApplicationError as error:  # e.g. the new address was taken meanwhile
            form.add_error("email", str(error))
            return self.form_invalid(form)
        change = update.email_change
        if change is not None and change.sent:
            messages.info(
                self.request,
                f"We sent a link to {change.email}; your address changes when you open it. "
                "Until then we keep writing to your current address.",
            )
        elif change is not None:
            messages.warning(
                self.request,
                f"{change.email} is saved as your new address but we could not send its "
                f"confirmation link yet. {mail_limit_message(retry_at=change.retry_at)}",
            )
        if confirm:
            messages.success(
                self.request,
                "Your contact details are saved and confirmed for the "
                f"{self.renewal_year} renewal.",
            )
        else:
            messages.success(self.request, "Your contact details are saved.")
        return redirect(self.request.get_full_path())

    def form_invalid(self, form):
        messages.error(self.request, "Nothing was saved: please correct the fields marked below.")
        return super().form_invalid(form)


contact_details_view = ContactDetailsView.as_view()


class EmailConfirmView(HolderRequiredMixin, TemplateView):
    """The link mailed to a new contact email. Opening it shows what it confirms; the
    button (POST) confirms, as allauth's own confirmation does (a mail scanner that
    fetches links changes nothing)."""

    template_name = "holders/email_confirm.html"

    def get(self, request, *args, **kwargs):
        try:
            email = email_change_from_token(holder=self.holder, token=kwargs["token"])
        except ApplicationError as error:
            return self.render_to_response({"error": str(error)}, status=400)
        return self.render_to_response({"email": email, "holder": self.holder})

    def post(self, request, *args, **kwargs):
        try:
            holder = holder_email_change_confirm(
                holder=self.holder, token=kwargs["token"], actor=request.user
            )
        except ApplicationError as error:
            return self.render_to_response({"error": str(error)}, status=400)
        messages.success(
            request, f"Your contact email is now {holder.email}: renewal mail goes there."
        )
        return redirect("holders:profile")


class EmailResendView(HolderRequiredMixin, View):
    def post(self, request, *args, **kwargs):
        try:
            change = holder_email_change_resend(holder=self.holder)
        except ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.info(request, f"We sent a new link to {change.email}.")
        return redirect("holders:profile")


class EmailCancelView(HolderRequiredMixin, View):
    def post(self, request, *args, **kwargs):
        try:
            holder = holder_email_change_cancel(holder=self.holder, actor=request.user)
        except ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Cancelled: your contact email stays {holder.email}.")
        return redirect("holders:profile")


email_confirm_view = EmailConfirmView.as_view()
email_resend_view = EmailResendView.as_view()
email_cancel_view = EmailCancelView.as_view()
