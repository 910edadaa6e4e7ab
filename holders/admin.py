from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from core.admin_history import GuardedImportMixin, HistoryAdmin

from .models import ContactConfirmation, HolderProfile, User
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
