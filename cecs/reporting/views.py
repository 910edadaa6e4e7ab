"""Holder pages for CEC Reporting Forms: list, new, edit or view, submit, download scan.

Every lookup goes through the signed-in holder's own forms, so another holder's form
is a 404 by construction; only staff who may view reporting forms see any scan, and NAAEI
reviewers the scans of entries submitted to them.
"""

from copy import copy

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from core.errors import ApplicationError
from core.formatting import format_hours
from core.next_step import renewal_next_action
from core.page_cache import cached_part, render_part, with_csrf_token
from holders.mixins import HolderRequiredMixin
from holders.renewal_version import renewal_cache_key
from holders.selectors import holder_for_user

from ..models import ReportingForm
from .checks import ReportingFormInvalid, renewal_year_note
from .forms import ReportingFormForm
from .selectors import form_in_review, form_kinds, holder_forms
from .services import reporting_form_remove, reporting_form_save, reporting_form_submit
from .uploads import upload_response

STAFF_VIEW_PERMISSION = "cecs.view_reportingform"
REVIEW_PERMISSION = "cecs.review_submission"


def own_forms(user):
    holder = holder_for_user(user=user)
    if holder is None:
        return ReportingForm.objects.none()
    return holder_forms(holder=holder)


def forms_with_scans_for(user):
    """Whose scans `user` may download: their own, or any for AASC staff and reviewers."""
    if user.is_staff and user.has_perm(STAFF_VIEW_PERMISSION):
        return ReportingForm.objects.all()
    if user.has_perm(REVIEW_PERMISSION):
        # NAAEI reviewers see the evidence of what was submitted to them.
        return ReportingForm.objects.filter(cec_entry__submission_lines__isnull=False).distinct()
    return own_forms(user)


def claimed_message(form):
    return (
        f"Added to your CECs: {format_hours(form.hours)} CECs claimed for “{form.title}”. "
        "They count now; NAAEI reviews them, with the certificate, when you submit your CECs."
    )


class FormListView(HolderRequiredMixin, TemplateView):
    template_name = "cecs/form_list.html"

    def get_context_data(self, **kwargs):
        content = cached_part(
            key=renewal_cache_key(holder=self.holder, page="reporting-forms"),
            render=lambda: render_part(
                "cecs/_form_list_content.html",
                {"reporting_forms": holder_forms(holder=self.holder)},
            ),
        )
        return super().get_context_data(content=with_csrf_token(self.request, content), **kwargs)


class FormNewView(HolderRequiredMixin, FormView):
    """A new form (no pk) or changes to a draft or returned one (FormEditView)."""

    template_name = "cecs/form_edit.html"
    read_only_template_name = "cecs/form_detail.html"
    form_class = ReportingFormForm

    @cached_property
    def reporting_form(self):
        """Read once per request, after HolderRequiredMixin has found the holder."""
        return self.get_reporting_form()

    def get_reporting_form(self):
        return ReportingForm(holder=self.holder)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A copy: an invalid form must not leave half-applied values on the page's summary.
        kwargs["instance"] = copy(self.reporting_form)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            holder=self.holder,
            reporting_form=self.reporting_form,
            activity_kinds=form_kinds(),
            **kwargs,
        )

    def form_valid(self, form):
        submit = self.request.POST.get("action") == "submit"
        try:
            saved = reporting_form_save(
                holder=self.holder,
                form=self.reporting_form if self.reporting_form.pk else None,
                form_data=form.cleaned_data,
                upload=form.cleaned_data.get("upload"),
                remove_upload=form.cleaned_data.get("remove_upload", False),
                actor=self.request.user,
                submit=submit,
            )
        except ReportingFormInvalid as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
            return self.form_invalid(form)
        except ApplicationError as error:
            messages.error(self.request, str(error))
            return redirect(self.request.get_full_path())
        if saved.status == ReportingForm.Status.CLAIMED:
            messages.success(self.request, claimed_message(saved))
        elif submit:
            messages.success(
                self.request,
                f"Your form is submitted to AASC ({format_hours(saved.hours)} CECs claimed). "
                "We have emailed you a confirmation, and will email you again once AASC "
                "staff have checked it.",
            )
        else:
            messages.success(
                self.request,
                f"Draft saved: {format_hours(saved.hours)} CECs claimed. "
                "Submit it to AASC when it is complete.",
            )
        # The form's clean ran reporting_form_check, which says where the activity goes.
        note = renewal_year_note(renewal_year=form.cleaned_data.get("renewal_year"))
        if note:
            messages.info(self.request, note)
        return redirect("cecs:form_edit", pk=saved.pk)

    def form_invalid(self, form):
        message = "Nothing was saved: please correct the fields marked below."
        if self.request.FILES and not form.has_error("upload"):
            message += " Choose the signed form's file again too."
        messages.error(self.request, message)
        return super().form_invalid(form)


class FormEditView(FormNewView):
    """Only a draft or a returned form can change; any other is shown read-only."""

    def get_reporting_form(self):
        return get_object_or_404(holder_forms(holder=self.holder), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if not self.reporting_form.is_editable:
            context = {"holder": self.holder, "reporting_form": self.reporting_form}
            if self.reporting_form.status == ReportingForm.Status.VERIFIED:
                context["next_action"] = renewal_next_action(holder=self.holder)
            return TemplateResponse(request, self.read_only_template_name, context)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.reporting_form.is_editable:
            messages.error(
                request,
                f"This form is {self.reporting_form.get_status_display().lower()} and can no "
                "longer be changed. Nothing was saved.",
            )
            return redirect("cecs:form_edit", pk=self.reporting_form.pk)
        return super().post(request, *args, **kwargs)


class FormSubmitView(HolderRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        form = get_object_or_404(holder_forms(holder=self.holder), pk=pk)
        try:
            form = reporting_form_submit(form=form, actor=request.user)
        except ReportingFormInvalid as error:
            messages.error(request, " ".join(m for field in error.errors.values() for m in field))
        except ApplicationError as error:
            messages.error(request, str(error))
        else:
            if form.status == ReportingForm.Status.CLAIMED:
                messages.success(request, claimed_message(form))
                return redirect("cecs:form_edit", pk=form.pk)
            messages.success(
                request,
                "Your form is submitted to AASC. We have emailed you a confirmation.",
            )
        return redirect("cecs:form_edit", pk=form.pk)


class FormRemoveView(HolderRequiredMixin, View):
    """Asks first (GET), then takes the activity back (POST)."""

    template_name = "cecs/form_remove.html"

    def get(self, request, pk):
        form = get_object_or_404(holder_forms(holder=self.holder), pk=pk)
        if not form.is_removable:
            return redirect("cecs:form_edit", pk=form.pk)
        if form_in_review(form=form):
            messages.info(
                request,
                f"“{form.title}” is in the submission NAAEI is reviewing, so it cannot be "
                "removed now.",
            )
            return redirect("cecs:form_edit", pk=form.pk)
        return TemplateResponse(
            request, self.template_name, {"holder": self.holder, "reporting_form": form}
        )

    def post(self, request, pk):
        form = get_object_or_404(holder_forms(holder=self.holder), pk=pk)
        was_claimed = form.status == ReportingForm.Status.CLAIMED
        try:
            form = reporting_form_remove(form=form, actor=request.user)
        except ApplicationError as error:
            messages.error(request, f"{error} Nothing was changed.")
            return redirect("cecs:form_edit", pk=form.pk)
        message = f"Removed “{form.title}”."
        if was_claimed:
            message += f" Its {format_hours(form.hours)} CECs no longer count."
        messages.success(request, message)
        return redirect("cecs:forms")


class FormUploadView(LoginRequiredMixin, View):
    def get(self, request, pk):
        form = get_object_or_404(forms_with_scans_for(request.user), pk=pk)
        return upload_response(form, inline=request.GET.get("view") == "inline")


form_list_view = FormListView.as_view()
form_new_view = FormNewView.as_view()
form_edit_view = FormEditView.as_view()
form_submit_view = FormSubmitView.as_view()
form_upload_view = FormUploadView.as_view()
form_remove_view = FormRemoveView.as_view()
