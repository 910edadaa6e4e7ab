from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from credentials.models import RenewalInvoice
from holders.renewal_version import renewal_version_triggers, through


class CheckoutAttempt(models.Model):
    """One Stripe Checkout Session for an invoice. At most one is live (being created or
    open) at a time.

    The row is reserved ("creating") and committed before Stripe is asked, so no lock or
    transaction is held during the call; the session id and URL are filled in afterwards.
    A reservation whose call failed keeps its idempotency key, so the next click asks
    Stripe again with the same key and gets the same session if Stripe made one."""

    class Status(models.TextChoices):
        CREATING = "creating", "Being created at Stripe"
        OPEN = "open", "Open"
        PROCESSING = "processing", "Payment processing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    LIVE = (Status.CREATING, Status.OPEN)

    invoice = models.ForeignKey(RenewalInvoice, on_delete=models.PROTECT, related_name="+")
    attempt = models.PositiveSmallIntegerField()
    idempotency_key = models.CharField(max_length=80, unique=True)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    creating_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While set and in the future, a request is asking Stripe for this session; "
        "otherwise the next Pay click may ask again with the same idempotency key.",
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(
            prefix="checkout", holder_ids=through("credentials_renewalinvoice", "invoice_id")
        )
        ordering = ["-created_at"]
        verbose_name = "card checkout"
        constraints = [
            models.UniqueConstraint(fields=["invoice", "attempt"], name="attempt_numbers_unique"),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status__in=["creating", "open"]),
                name="one_open_checkout_per_invoice",
            ),
            models.CheckConstraint(
                condition=~Q(status="open") | Q(stripe_session_id__isnull=False),
                name="open_checkout_has_session",
            ),
        ]

    def __str__(self):
        return f"{self.invoice.number} checkout #{self.attempt}"


class Payment(models.Model):
    class Provider(models.TextChoices):
        STRIPE = "stripe", "Card (Stripe)"
        TEST_MODE = "test_mode", "Test mode (no real card)"
        # Recorded by AASC staff (payments.offline): employers often pay this way.
        CHEQUE = "cheque", "Cheque"
        CASH = "cash", "Cash"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Paid"
        REFUNDED = "refunded", "Refunded"

    invoice = models.ForeignKey(RenewalInvoice, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField("method", max_length=20, choices=Provider.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUCCEEDED)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    stripe_checkout_session_id = models.CharField(
        max_length=255, null=True, blank=True, unique=True
    )
    stripe_payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    paid_at = models.DateTimeField()
    refunded_cents = models.PositiveIntegerField(default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)
    receipt_number = models.CharField(max_length=40, unique=True)
    # Offline payments only: what staff recorded, and who.
    reference = models.CharField(
        max_length=100, blank=True, help_text="The cheque number or the bank transfer's reference."
    )
    received_on = models.DateField("date received", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refund_note = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(
            prefix="payment", holder_ids=through("credentials_renewalinvoice", "invoice_id")
        )
        ordering = ["-paid_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status="succeeded"),
                name="one_successful_payment_per_invoice",
            ),
            models.CheckConstraint(
                condition=Q(refunded_cents__lte=models.F("amount_cents")),
                name="refund_not_above_payment",
            ),
            models.CheckConstraint(
                condition=~Q(provider__in=["cheque", "cash", "bank_transfer"])
                | Q(received_on__isnull=False, recorded_by__isnull=False),
                name="offline_payment_recorded_by_staff",
            ),
        ]
        permissions = [
            ("record_offline_payment", "Can record cheque, cash and bank transfer payments"),
            ("refund_offline_payment", "Can record refunds of cheque, cash and transfer payments"),
        ]

    def __str__(self):
        return f"Receipt {self.receipt_number}"

    @property
    def is_offline(self):
        return self.provider in OFFLINE_PROVIDERS

    @property
    def method_text(self):
        """How it was paid, as receipts and the payments page say it."""
        if self.card_last4:
            return (
                f"{self.get_provider_display()}, {self.card_brand.upper()} ending {self.card_last4}"
            )
        text = self.get_provider_display()
        if self.reference:
            text += f" {self.reference}"
        if self.received_on:
            text += f", received {self.received_on:%B %-d, %Y}"
        return text


OFFLINE_PROVIDERS = (
    Payment.Provider.CHEQUE,
    Payment.Provider.CASH,
    Payment.Provider.BANK_TRANSFER,
)


class StripeEvent(models.Model):
    """Every verified webhook event, once (its id is unique), with what became of it."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    deliveries = models.PositiveIntegerField(default=1)
    error = models.TextField(blank=True, help_text="The last failure, kept for staff.")
    flagged = models.BooleanField(default=False, help_text="Needs a person: see the note.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "Stripe event"
        indexes = [models.Index(fields=["flagged", "received_at"])]

    def __str__(self):
        return f"{self.type} {self.event_id}"
