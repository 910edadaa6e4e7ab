from copy import copy

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import FormView

from .forms import ContactDetailsForm
from .selectors import contact_confirmation_for, current_renewal_year, holder_for_user
from .services import ApplicationError, holder_claim_or_create, holder_update_contact


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
        return super().get_context_data(
            holder=self.holder,
            renewal_year=self.renewal_year,
            confirmation=contact_confirmation_for(holder=self.holder, cycle_year=self.renewal_year),
            **kwargs,
        )

    def form_valid(self, form):
        confirm = "confirm" in self.request.POST
        holder_update_contact(
            holder=self.holder,
            changes=form.cleaned_data,
            actor=self.request.user,
            confirm_for_year=self.renewal_year if confirm else None,
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
