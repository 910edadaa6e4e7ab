"""Writing rows with COPY: one `Table` per seeded model, ids taken in blocks from the
tables' sequences."""

from django.apps import apps
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from cecs.models import (
    AascClass,
    Attendance,
    CecEntry,
    ReportingForm,
    Submission,
    SubmissionEntry,
)
from credentials.models import (
    EmeritusStatus,
    HeldCredential,
    InvoiceLine,
    ReminderLog,
    RenewalInvoice,
    Waiver,
)
from holders.models import ContactConfirmation, HolderProfile, User
from payments.models import CheckoutAttempt, Payment


class Table:
    """COPY rows into a model's table: the caller gives `given` fields in order, every
    other concrete field gets its default (computed once, or per row when callable), so
    fields added later by migrations need no change here unless they have no default."""

    def __init__(self, model, given, now):
        self.model = model
        # Keyed by column, as COPY writes them (a kind link stores its code in "source").
        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = set(given) - set(fields)
        if unknown:
            raise CommandError(f"{model.__name__} has no field(s) {sorted(unknown)}")
        self.constant, self.per_row, columns = [], [], [fields[name].column for name in given]
        for name, f in fields.items():
            if name in given:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.constant.append(now)
            elif f.has_default() and callable(f.default):
                self.per_row.append(f)
                continue
            elif f.has_default() or f.null or f.empty_strings_allowed:
                # The default, else NULL, else "" (what Django itself would write).
                self.constant.append(f.get_db_prep_save(f.get_default(), connection))
            else:
                raise CommandError(
                    f"seed_scale does not fill {model.__name__}.{f.name} (no default): "
                    "add it to the command."
                )
            columns.append(f.column)
        columns += [f.column for f in self.per_row]
        self.constant = tuple(self.constant)
        self.sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            table_name(model), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        self.count = 0

    def write(self, cursor, rows):
        with cursor.copy(self.sql) as copy:
            for row in rows:
                if self.per_row:
                    extra = tuple(
                        f.get_db_prep_save(f.get_default(), connection) for f in self.per_row
                    )
                    copy.write_row(row + self.constant + extra)
                else:
                    copy.write_row(row + self.constant)
                self.count += 1


def reserve_ids(cursor, model, count):
    """The first of `count` consecutive ids taken from the model's sequence. (Meant for
    a benchmark database: an insert by someone else in between could take one of them.)"""
    if count <= 0:
        return 0
    table, column = model._meta.db_table, model._meta.pk.column
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    if count > 1:
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def table_name(model):
    return sql.Identifier(model._meta.db_table)


def email_model():
    from allauth.account.models import EmailAddress

    return EmailAddress


# The seeded tables in the order they are written (and summed up at the end), each with the
# fields the phases give, in the order they give them. allauth's model is named by its label:
# it is looked up only when the tables are made.
TABLES = {
    "user": (User, "id password email date_joined"),
    "email": ("account.EmailAddress", "id user_id email verified primary"),
    "user_group": (User.groups.through, "id user_id group_id"),
    "holder": (
        HolderProfile,
        "id user_id first_name last_name email phone street city state zip_code "
        "employer job_title member_number",
    ),
    "credential": (
        HeldCredential,
        "id holder_id credential_type_id number earned_on expires_on status",
    ),
    "waiver": (
        Waiver,
        "id holder_id cycle_id waive_fee waive_cecs reason granted_by_id granted_at",
    ),
    "emeritus": (
        EmeritusStatus,
        "id holder_id since_year reason granted_by_id granted_at",
    ),
    "confirmation": (
        ContactConfirmation,
        "id holder_id cycle_year confirmed_at confirmed_by_id",
    ),
    "class": (AascClass, "id title held_on instructor hours"),
    "invoice": (
        RenewalInvoice,
        "id number holder_id cycle_id status fees_cents fee_waived cecs_owed "
        "in_network_minimum participation_cap cecs_waived cec_window_start "
        "cec_window_end due_on grace_ends_on issued_at paid_at cecs_approved_at "
        "completed_at",
    ),
    "line": (InvoiceLine, "id invoice_id held_credential_id description fee_cents"),
    "payment": (
        Payment,
        "id invoice_id provider status amount_cents currency "
        "stripe_checkout_session_id stripe_payment_intent_id card_brand card_last4 "
        "paid_at refunded_cents refunded_at receipt_number",
    ),
    "checkout": (
        CheckoutAttempt,
        "id invoice_id attempt idempotency_key amount_cents currency "
        "stripe_session_id url status created_at expires_at",
    ),
    "reminder": (
        ReminderLog,
        "id invoice_id stage_id status claim_token claimed_at sent_at sent_to attempts last_error",
    ),
    "form": (
        ReportingForm,
        "id holder_id activity_type title organisation date_from hours description "
        "status submitted_at signer_name signed_on verified_by_id verified_at "
        "returned_reason returned_by_id returned_at",
    ),
    "attendance": (
        Attendance,
        "id aasc_class_id holder_id recorded_by_id recorded_at withdrawn_at withdrawn_reason",
    ),
    "entry": (
        CecEntry,
        "id holder_id title provider earned_on hours source category status "
        "attendance_id reporting_form_id verification_code correction_note",
    ),
    "submission": (
        Submission,
        "id holder_id cycle_id invoice_id status cecs_owed in_network_minimum "
        "total_hours in_network_hours participation_hours submitted_at "
        "submitted_by_id decided_at decided_by_id rejection_reason",
    ),
    "submission_entry": (
        SubmissionEntry,
        "id submission_id entry_id counted_hours not_accepted_reason",
    ),
}


def make_tables(now):
    return {
        key: Table(apps.get_model(model) if isinstance(model, str) else model, names.split(), now)
        for key, (model, names) in TABLES.items()
    }
