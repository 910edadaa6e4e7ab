from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from holders.models import HolderProfile
from holders.renewal_version import renewal_version_triggers, through

HOURS = {"max_digits": 6, "decimal_places": 2}


class CredentialType(models.Model):
    """CAM, CAPS, NALP (CALP), CAS, CAMT, AIME: what NAAEI awards."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=120)
    annual_fee_cents = models.PositiveIntegerField(help_text="Annual renewal fee, in cents.")
    renews = models.BooleanField(
        default=True, help_text="Off for lifetime credentials (CAMT): never invoiced."
    )
    display_order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "code"]

    def __str__(self):
        return f"{self.code} ({self.name})"


class CecRequirement(models.Model):
    """CECs a credential type requires from `from_year` on, until a later row replaces it."""

    credential_type = models.ForeignKey(
        CredentialType, on_delete=models.CASCADE, related_name="requirements"
    )
    from_year = models.PositiveSmallIntegerField(help_text="First cycle year this row applies to.")
    total_cecs = models.DecimalField(**HOURS)
    in_network_minimum = models.DecimalField(
        **HOURS,
        default=0,
        help_text="CECs that must come from NAA, NAAEI or the local association.",
    )
    participation_cap = models.DecimalField(
        **HOURS,
        null=True,
        blank=True,
        help_text="Most CECs association participation may count for; empty = no cap.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["credential_type", "-from_year"]
        verbose_name = "CEC requirement"
        constraints = [
            models.UniqueConstraint(
                fields=["credential_type", "from_year"], name="one_requirement_per_type_year"
            ),
            models.CheckConstraint(
                condition=Q(total_cecs__gte=0)
                & Q(in_network_minimum__gte=0)
                & Q(in_network_minimum__lte=F("total_cecs")),
                name="requirement_minimum_within_total",
            ),
            models.CheckConstraint(
                condition=Q(participation_cap__isnull=True) | Q(participation_cap__gte=0),
                name="requirement_cap_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.credential_type.code} from {self.from_year}: {self.total_cecs} CECs"


class HeldCredential(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DUE = "due", "Due for renewal"
        GRACE = "grace", "In grace period"
        LAPSED = "lapsed", "Lapsed"

    holder = models.ForeignKey(HolderProfile, on_delete=models.PROTECT, related_name="credentials")
    credential_type = models.ForeignKey(CredentialType, on_delete=models.PROTECT, related_name="+")
    number = models.CharField("credential number", max_length=30)
    earned_on = models.DateField()
    expires_on = models.DateField(
        null=True, blank=True, help_text="Empty for lifetime credentials."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    reinstated_for_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Staff reinstated this credential for that cycle: it is not lapsed again.",
    )

    history = HistoricalRecords()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(prefix="held")
        ordering = ["credential_type__display_order", "credential_type__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "credential_type"], name="one_credential_of_a_type_per_holder"
            ),
            models.UniqueConstraint(
                fields=["credential_type", "number"], name="credential_number_unique_per_type"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("earned_on")),
                name="credential_expires_after_earned",
            ),
        ]
        indexes = [models.Index(fields=["expires_on", "status"])]

    def __str__(self):
        return f"{self.credential_type.code} {self.number}"


class RenewalCycle(models.Model):
    """Renewal year Y: invoices go out, payment is due, grace ends; CECs earned in a window."""

    year = models.PositiveSmallIntegerField(unique=True)
    invoices_go_out_on = models.DateField()
    due_on = models.DateField()
    grace_ends_on = models.DateField()
    late_fee_cents = models.PositiveIntegerField(help_text="Reinstatement fee, in cents.")
    cec_window_start = models.DateField("CECs earned from")
    cec_window_end = models.DateField("CECs earned until")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        permissions = [("issue_invoices", "Can issue a cycle's renewal invoices")]
        constraints = [
            models.CheckConstraint(
                condition=Q(invoices_go_out_on__lte=F("due_on"))
                & Q(due_on__lte=F("grace_ends_on")),
                name="cycle_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(cec_window_start__lte=F("cec_window_end")),
                name="cycle_cec_window_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.year} renewal"


class Waiver(models.Model):
    """Staff waive a holder's fee and/or CECs for one cycle (e.g. military deployment)."""

    holder = models.ForeignKey(HolderProfile, on_delete=models.PROTECT, related_name="waivers")
    cycle = models.ForeignKey(RenewalCycle, on_delete=models.PROTECT, related_name="waivers")
    waive_fee = models.BooleanField(default=False)
    waive_cecs = models.BooleanField("waive CECs", default=False)
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(prefix="waiver")
        constraints = [
            models.UniqueConstraint(fields=["holder", "cycle"], name="one_waiver_per_holder_cycle"),
            models.CheckConstraint(
                condition=Q(waive_fee=True) | Q(waive_cecs=True), name="waiver_waives_something"
            ),
        ]

    def __str__(self):
        waived = " and ".join(
            label for flag, label in ((self.waive_fee, "fee"), (self.waive_cecs, "CECs")) if flag
        )
        return f"{self.holder}: {waived} waived for {self.cycle.year}"


class EmeritusStatus(models.Model):
    """A retired holder keeps the credential and owes no CECs from `since_year` on."""

    holder = models.OneToOneField(HolderProfile, on_delete=models.PROTECT, related_name="emeritus")
    since_year = models.PositiveSmallIntegerField()
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(prefix="emeritus")
        verbose_name_plural = "emeritus statuses"

    def __str__(self):
        return f"{self.holder}: emeritus since {self.since_year}"


class RenewalInvoice(models.Model):
    """One holder's renewal for one cycle: a snapshot of fees and CECs owed when issued."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PAID = "paid", "Paid"
        WAIVED = "waived", "Fee waived"
        VOID = "void", "Void"
        REFUNDED = "refunded", "Refunded"

    # The one definition of "the holder can pay this": open, or refunded (a full refund
    # reopens the renewal). Payments, the invoice page, reminders and the overview use it.
    PAYABLE_STATUSES = (Status.OPEN, Status.REFUNDED)
    SETTLED_STATUSES = (Status.PAID, Status.WAIVED)

    number = models.CharField(max_length=30, unique=True)
    holder = models.ForeignKey(HolderProfile, on_delete=models.PROTECT, related_name="invoices")
    cycle = models.ForeignKey(RenewalCycle, on_delete=models.PROTECT, related_name="invoices")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    fees_cents = models.PositiveIntegerField(help_text="Sum of the lines when issued.")
    late_fee_cents = models.PositiveIntegerField(default=0)
    fee_waived = models.BooleanField(default=False)
    cecs_owed = models.DecimalField(**HOURS)
    in_network_minimum = models.DecimalField(**HOURS)
    participation_cap = models.DecimalField(**HOURS, null=True, blank=True)
    cecs_waived = models.BooleanField("CECs waived", default=False)
    cec_window_start = models.DateField()
    cec_window_end = models.DateField()
    due_on = models.DateField()
    grace_ends_on = models.DateField()
    issued_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    cecs_approved_at = models.DateTimeField("CECs approved at", null=True, blank=True)
    completed_at = models.DateTimeField("renewal completed at", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(prefix="invoice")
        ordering = ["-cycle__year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "cycle"], name="one_invoice_per_holder_cycle"
            ),
        ]
        indexes = [models.Index(fields=["cycle", "status"])]

    def __str__(self):
        return f"Invoice {self.number}"

    @property
    def total_cents(self):
        """What the holder pays: the lines plus any late fee, nothing when waived."""
        if self.fee_waived:
            return 0
        return self.fees_cents + self.late_fee_cents

    @property
    def is_settled(self):
        return self.status in self.SETTLED_STATUSES

    @property
    def is_payable(self):
        return self.status in self.PAYABLE_STATUSES

    @property
    def owes_cecs(self):
        return not self.cecs_waived and self.cecs_owed > 0


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(RenewalInvoice, on_delete=models.CASCADE, related_name="lines")
    held_credential = models.ForeignKey(HeldCredential, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200)
    fee_cents = models.PositiveIntegerField()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(
            prefix="line", holder_ids=through("credentials_renewalinvoice", "invoice_id")
        )
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "held_credential"], name="one_line_per_credential"
            ),
        ]

    def __str__(self):
        return self.description


class ReminderStage(models.Model):
    """A renewal reminder sent `offset_days` from an invoice's date (negative = before)."""

    class Anchor(models.TextChoices):
        ISSUED = "issued", "Invoice issued"
        DUE = "due", "Due date"
        GRACE_END = "grace_end", "End of the grace period"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    anchor = models.CharField(max_length=10, choices=Anchor.choices)
    offset_days = models.SmallIntegerField(default=0)
    template = models.CharField(
        max_length=100, help_text="Email template under templates/emails/reminders/, without .txt"
    )
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["anchor", "offset_days"]

    def __str__(self):
        return self.name


class ReminderLog(models.Model):
    """One reminder stage for one invoice: claimed before sending, so it is sent once."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent: no verified email"

    invoice = models.ForeignKey(RenewalInvoice, on_delete=models.CASCADE, related_name="reminders")
    stage = models.ForeignKey(ReminderStage, on_delete=models.PROTECT, related_name="logs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CLAIMED)
    claim_token = models.UUIDField(db_index=True)
    claimed_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.EmailField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-claimed_at"]
        verbose_name = "reminder sent"
        verbose_name_plural = "reminders sent"
        constraints = [
            models.UniqueConstraint(fields=["invoice", "stage"], name="one_reminder_per_stage"),
        ]
        indexes = [models.Index(fields=["status", "lease_expires_at"])]

    def __str__(self):
        return f"{self.stage} for {self.invoice}"
