from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin_history import GuardedImportMixin, HistoryAdmin
from core.errors import ApplicationError

from .models import ContactConfirmation, HolderProfile, RecordLinkRequest, User
from .record_claims import record_link_request_approve, record_link_request_reject
from .resources import HolderImportResource


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "last_login", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Roles", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups"]


class ContactConfirmationInline(admin.TabularInline):
    model = ContactConfirmation
    extra = 0
    fields = ["cycle_year", "confirmed_at", "confirmed_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(HolderProfile)
class HolderProfileAdmin(GuardedImportMixin, HistoryAdmin):
    resource_classes = [HolderImportResource]
    list_display = ["last_name", "first_name", "member_number", "email", "has_account", "city"]
    list_select_related = ["user"]
    search_fields = ["last_name", "first_name", "email", "member_number"]
    list_filter = ["state", ("user", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "user",
        "pending_email",
        "pending_email_requested_at",
        "created_at",
        "updated_at",
    ]
    inlines = [ContactConfirmationInline]
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "member_number", "user")}),
        (
            "Contact",
            {
                "fields": (
                    "email",
                    "email_verified",
                    "pending_email",
                    "pending_email_requested_at",
                    "phone",
                    "street",
                    "city",
                    "state",
                    "zip_code",
                )
            },
        ),
        ("Work", {"fields": ("employer", "job_title")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def save_model(self, request, obj, form, change):
        if "email" in form.changed_data:
            obj.email_verified = True  # staff typed it: it counts as verified
        super().save_model(request, obj, form, change)

    @admin.display(boolean=True, description="account")
    def has_account(self, obj):
        return obj.user_id is not None


class LinkApproveForm(forms.Form):
    checked = forms.BooleanField(
        label="I checked that this person holds the record",
        help_text="For example by phone, against what AASC knows of them beyond these details.",
    )


class LinkRejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="The person receives it by email at their sign-in address.",
    )


LINK_DECISIONS = {
    "approve": {
        "title": "Approve and link",
        "done": "Approved: {record} is linked to {account}, who is told by email.",
    },
    "reject": {
        "title": "Reject",
        "done": "Rejected: {account} is told why by email.",
    },
}


@admin.register(RecordLinkRequest)
class RecordLinkRequestAdmin(HistoryAdmin):
    """People who can no longer read their record's email ask for it; AASC staff check what
    they typed against the record and approve (links it) or reject (with a reason). Nobody
    edits a request: the buttons call holders.services."""

    list_display = ["__str__", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["account", "record", "decided_by"]
    search_fields = ["account__email", "record__last_name", "record__email", "number_given"]
    ordering = ["created_at"]
    fields = [
        "account",
        "record_link",
        ("number_given", "last_name_given", "zip_code_given"),
        "record_details",
        "status",
        ("decided_by", "decided_at"),
        "rejection_reason",
        "created_at",
    ]
    change_form_template = "admin/holders/recordlinkrequest/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        return request.user.has_perm("holders.decide_recordlinkrequest")

    def get_readonly_fields(self, request, obj=None):
        return [
            "account",
            "record_link",
            "number_given",
            "last_name_given",
            "zip_code_given",
            "record_details",
            "status",
            "decided_by",
            "decided_at",
            "rejection_reason",
            "created_at",
        ]

    @admin.display(description="record")
    def record_link(self, obj):
        url = reverse("admin:holders_holderprofile_change", args=[obj.record_id])
        return format_html('<a href="{}">{}</a>', url, obj.record)

    @admin.display(description="what the record has")
    def record_details(self, obj):
        record = obj.record
        return format_html(
            "Member number {}, last name {}, ZIP code {}, contact email {}{}",
            record.member_number or "none",
            record.last_name,
            record.zip_code or "none",
            record.email,
            format_html(" (linked to {})", record.user) if record.user_id else "",
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_decide"] = (
            obj is not None
            and obj.status == RecordLinkRequest.Status.PENDING
            and self.has_decide_permission(request)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.decision_view),
                {"decision": "approve"},
                name="holders_recordlinkrequest_approve",
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.decision_view),
                {"decision": "reject"},
                name="holders_recordlinkrequest_reject",
            ),
            *super().get_urls(),
        ]

    def decision_view(self, request, object_id, decision):
        if not self.has_decide_permission(request):
            raise PermissionDenied
        link_request = self.get_object(request, unquote(object_id))
        if link_request is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = reverse("admin:holders_recordlinkrequest_change", args=[link_request.pk])
        spec = LINK_DECISIONS[decision]
        if link_request.status != RecordLinkRequest.Status.PENDING:
            self.message_user(
                request, "This request was decided already: nothing to do.", messages.WARNING
            )
            return HttpResponseRedirect(change_url)
        data = request.POST if request.method == "POST" else None
        form = (LinkRejectForm if decision == "reject" else LinkApproveForm)(data)
        if form.is_valid():
            try:
                if decision == "approve":
                    record_link_request_approve(link_request=link_request, actor=request.user)
                else:
                    record_link_request_reject(
                        link_request=link_request,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    )
            except ApplicationError as error:
                self.message_user(request, str(error), messages.ERROR)
                return HttpResponseRedirect(change_url)
            self.message_user(
                request,
                spec["done"].format(record=link_request.record, account=link_request.account),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:holders_recordlinkrequest_changelist"))
        return TemplateResponse(
            request,
            "admin/holders/recordlinkrequest/decision.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"{spec['title']}: {link_request}",
                "original": link_request,
                "record_details": self.record_details(link_request),
                "form": form,
                "decision": decision,
                "change_url": change_url,
            },
        )
