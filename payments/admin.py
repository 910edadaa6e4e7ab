"""Payments and Stripe events for AASC staff: read-only, plus reconciliation."""

import stripe
from django.contrib import admin, messages

from core.admin_history import HistoryAdmin
from holders.roles import is_aasc_staff

from . import services
from .admin_offline import OfflinePaymentAdminMixin
from .models import CheckoutAttempt, Payment, StripeEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(OfflinePaymentAdminMixin, ReadOnlyAdmin, HistoryAdmin):
    list_display = [
        "receipt_number",
        "invoice",
        "amount_cents",
        "provider",
        "status",
        "how_paid",
        "paid_at",
        "refunded_cents",
    ]
    list_filter = ["status", "provider", "paid_at"]
    list_select_related = ["invoice"]
    search_fields = [
        "receipt_number",
        "invoice__number",
        "invoice__holder__last_name",
        "invoice__holder__email",
        "stripe_payment_intent_id",
        "stripe_checkout_session_id",
        "reference",
    ]

    @admin.display(description="How paid")
    def how_paid(self, payment):
        return payment.method_text


@admin.register(CheckoutAttempt)
class CheckoutAttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "invoice",
        "attempt",
        "amount_cents",
        "status",
        "created_at",
        "stripe_session_id",
    ]
    list_filter = ["status"]
    list_select_related = ["invoice"]
    search_fields = ["invoice__number", "stripe_session_id"]
    actions = ["reconcile"]

    def has_reconcile_permission(self, request):
        """Reconciling can fulfil an invoice, so reading attempts is not enough: only AASC
        staff (who read them) may, even if another role is someday given the view."""
        return request.user.has_perm("payments.view_checkoutattempt") and is_aasc_staff(
            request.user
        )

    @admin.action(
        description="Reconcile selected with Stripe (fulfil if Stripe says paid)",
        permissions=["reconcile"],
    )
    def reconcile(self, request, queryset):
        for attempt in queryset.select_related("invoice"):
            try:
                result = services.reconcile_attempt(attempt=attempt)
            except stripe.StripeError as error:
                self.message_user(request, f"{attempt}: Stripe error: {error}", messages.ERROR)
                continue
            level = messages.WARNING if result.flagged else messages.SUCCESS
            self.message_user(request, f"{attempt}: {result.message}", level)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at", "processed_at", "deliveries", "flagged"]
    list_filter = ["flagged", "type", ("processed_at", admin.EmptyFieldListFilter)]
    search_fields = ["event_id", "note"]
    readonly_fields = [field.name for field in StripeEvent._meta.fields]
