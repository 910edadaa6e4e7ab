from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from localflavor.us.models import USStateField, USZipCodeField
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from .renewal_version import holder_record_triggers, renewal_version_triggers


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """An account; the email address is the log-in."""

    email = models.EmailField("email address", max_length=254, unique=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can log into the admin (AASC staff and NAAEI reviewers)."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            # Stored lower-case, so the plain unique index is case-insensitive.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="user_email_lowercase"
            ),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class HolderProfile(models.Model):
    """A credential holder's contact details (renewal step 1).

    A profile can exist without an account: staff import holders from NAAEI's
    list, and the holder claims the record by signing up with the same email.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="holder_profile",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(
        "contact email", max_length=254, help_text="Where renewal notices are sent."
    )
    # Mail goes only to a verified address (holders.selectors.holder_mail_recipient). Staff
    # typed imported and admin-edited addresses, so they count as verified; a holder's own
    # change waits in `pending_email` until its confirmation link is opened.
    email_verified = models.BooleanField(
        "contact email verified",
        default=True,
        help_text="Typed by AASC staff or confirmed by the holder. An unverified address "
        "gets mail only once the account's own sign-up verification covers it.",
    )
    pending_email = models.EmailField(
        "new contact email (unconfirmed)",
        max_length=254,
        blank=True,
        default="",
        help_text="Gets no mail but the confirmation link until the holder opens it.",
    )
    pending_email_requested_at = models.DateTimeField(null=True, blank=True)
    phone = PhoneNumberField(blank=True)
    street = models.CharField("street address", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = USStateField(blank=True)
    zip_code = USZipCodeField("ZIP code", blank=True)
    employer = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    member_number = models.CharField("NAAEI member number", max_length=20, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Changed by PostgreSQL with every write to this holder's renewal (renewal_version.py);
    # the holder pages' cache is keyed by it. Not a change of its own in the history.
    renewal_version = models.PositiveBigIntegerField(default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["renewal_version"])

    class Meta:
        ordering = ["last_name", "first_name"]
        triggers = holder_record_triggers()
        constraints = [
            models.UniqueConstraint(Lower("email"), name="holder_email_unique_ci"),
            models.UniqueConstraint(
                fields=["member_number"],
                condition=~models.Q(member_number=""),
                name="holder_member_number_unique_when_present",
            ),
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="holder_email_lowercase"
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.email

    @property
    def is_contact_complete(self):
        return all(
            [
                self.first_name,
                self.last_name,
                self.email,
                self.phone,
                self.street,
                self.city,
                self.state,
                self.zip_code,
            ]
        )


class ContactConfirmation(models.Model):
    """The holder confirmed their contact details for renewal year `cycle_year`."""

    holder = models.ForeignKey(
        HolderProfile, on_delete=models.CASCADE, related_name="contact_confirmations"
    )
    cycle_year = models.PositiveSmallIntegerField()
    confirmed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        # Every write bumps the holder's renewal version (holders.renewal_version).
        triggers = renewal_version_triggers(prefix="contact")
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "cycle_year"], name="one_contact_confirmation_per_year"
            ),
        ]

    def __str__(self):
        return f"{self.holder} confirmed contact details for {self.cycle_year}"


class RecordLinkRequest(models.Model):
    """Someone signed in asks AASC staff to link an imported holder record to their account
    because they can no longer read the record's email (holders.record_claims.record_claim_process
    creates it on an exact match; staff approve or reject it in the admin)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for AASC"
        APPROVED = "approved", "Approved: record linked"
        REJECTED = "rejected", "Rejected"

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="record_link_requests"
    )
    record = models.ForeignKey(
        # PROTECT: a record someone asked to be linked to keeps the request's trail.
        HolderProfile,
        on_delete=models.PROTECT,
        related_name="link_requests",
    )
    number_given = models.CharField("number they typed", max_length=30)
    last_name_given = models.CharField("last name they typed", max_length=100)
    zip_code_given = models.CharField("ZIP code they typed", max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True, default="")

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "record-link request"
        permissions = [("decide_recordlinkrequest", "Can approve or reject record link requests")]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "record"],
                condition=models.Q(status="pending"),
                name="one_pending_link_request_per_account_and_record",
            ),
        ]

    def __str__(self):
        return f"{self.account} asks for {self.record}'s record"
