"""Writes for credentials, cycles, invoices and renewal completion."""

import datetime
from dataclasses import dataclass
from itertools import groupby

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.errors import ApplicationError

from .models import (
    CredentialType,
    EmeritusStatus,
    HeldCredential,
    InvoiceLine,
    RenewalCycle,
    RenewalInvoice,
    Waiver,
)
from .selectors import (
    calendar_candidates,
    calendar_status,
    cecs_owed_from,
    cecs_waived_holder_ids,
    fee_waived_holder_ids,
    late_fee_due_cents,
    renewing_credentials,
    requirements_by_type,
)

DEFAULT_LATE_FEE_CENTS = 5000


def cycle_defaults(year):
    """design.md: invoices in November of Y-1, due 1 January, grace to 31 March, $50 late
    fee, CECs earned in calendar year Y-1."""
    return {
        "invoices_go_out_on": datetime.date(year - 1, 11, 1),
        "due_on": datetime.date(year, 1, 1),
        "grace_ends_on": datetime.date(year, 3, 31),
        "late_fee_cents": DEFAULT_LATE_FEE_CENTS,
        "cec_window_start": datetime.date(year - 1, 1, 1),
        "cec_window_end": datetime.date(year - 1, 12, 31),
    }


def cycle_get_or_create(*, year):
    cycle, _ = RenewalCycle.objects.get_or_create(year=year, defaults=cycle_defaults(year))
    return cycle


def invoice_number(*, year, holder_id):
    return f"AASC-{year}-{holder_id:06d}"


@dataclass
class IssueResult:
    created: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class IssuedBy:
    """Who issued a run of invoices, when and why: their history rows say so."""

    actor: object
    at: datetime.datetime
    reason: str


def invoices_issue(*, cycle, actor=None, now=None, batch_size=2000, progress=None):
    """Issue cycle `cycle`'s invoice to every holder with a credential it renews.

    Idempotent: holders who already have an invoice for the cycle are skipped.
    Concurrent runs queue on the cycle row; the unique (holder, cycle)
    constraint backs that up. The query count depends on the batch count, not
    on the number of holders.

    Each invoice gets its "created" history row, by `actor` (the staff user of the admin
    action; None for the command or a scheduled run, shown as "system") at `now`.
    """
    now = now or timezone.now()
    issued = IssuedBy(actor=actor, at=now, reason=f"issued for the {cycle.year} cycle")
    result = IssueResult()
    with transaction.atomic():
        RenewalCycle.objects.select_for_update().get(pk=cycle.pk)
        requirements = requirements_by_type(year=cycle.year)
        types = {t.pk: t for t in CredentialType.objects.all()}
        cecs_waived = cecs_waived_holder_ids(cycle=cycle)
        fee_waived = fee_waived_holder_ids(cycle=cycle)
        invoiced = set(
            RenewalInvoice.objects.filter(cycle=cycle).values_list("holder_id", flat=True)
        )
        rows = (
            renewing_credentials(cycle=cycle)
            .order_by("holder_id", "credential_type__display_order", "credential_type__code")
            .values_list("pk", "holder_id", "credential_type_id", "number")
            .iterator(chunk_size=batch_size)
        )
        batch = []
        for holder_id, credentials in groupby(rows, key=lambda row: row[1]):
            if holder_id in invoiced:
                result.skipped += 1
                continue
            batch.append((holder_id, list(credentials)))
            if len(batch) >= batch_size:
                _create_invoices(cycle, batch, requirements, types, cecs_waived, fee_waived, issued)
                result.created += len(batch)
                batch = []
                if progress:
                    progress(result)
        if batch:
            _create_invoices(cycle, batch, requirements, types, cecs_waived, fee_waived, issued)
            result.created += len(batch)
            if progress:
                progress(result)
    return result


def _create_invoices(cycle, batch, requirements, types, cecs_waived, fee_waived, issued):
    invoices = []
    for holder_id, credentials in batch:
        owed = cecs_owed_from(requirements.get(type_id) for _, _, type_id, _ in credentials)
        fees = sum(types[type_id].annual_fee_cents for _, _, type_id, _ in credentials)
        waive_fee = holder_id in fee_waived
        invoices.append(
            RenewalInvoice(
                number=invoice_number(year=cycle.year, holder_id=holder_id),
                holder_id=holder_id,
                cycle=cycle,
                status=RenewalInvoice.Status.WAIVED if waive_fee else RenewalInvoice.Status.OPEN,
                fees_cents=fees,
                fee_waived=waive_fee,
                cecs_owed=owed.total,
                in_network_minimum=owed.in_network_minimum,
                participation_cap=owed.participation_cap,
                cecs_waived=holder_id in cecs_waived,
                cec_window_start=cycle.cec_window_start,
                cec_window_end=cycle.cec_window_end,
                due_on=cycle.due_on,
                grace_ends_on=cycle.grace_ends_on,
                issued_at=issued.at,
            )
        )
    # One more INSERT per batch for the history rows: a plain bulk_create would leave an
    # issued invoice with no record of who issued it, or when.
    invoices = bulk_create_with_history(
        invoices,
        RenewalInvoice,
        default_user=issued.actor,
        default_change_reason=issued.reason,
        default_date=issued.at,
    )
    lines = [
        InvoiceLine(
            invoice=invoice,
            held_credential_id=credential_id,
            description=f"{types[type_id].code} renewal: {types[type_id].name}, no. {number}",
            fee_cents=types[type_id].annual_fee_cents,
        )
        for invoice, (_, credentials) in zip(invoices, batch, strict=True)
        for credential_id, _, type_id, number in credentials
    ]
    InvoiceLine.objects.bulk_create(lines)


def _locked_invoice(invoice):
    # The invoice row only: FOR UPDATE on the join locked the cycle's row as well, so every
    # completion in the cycle queued on it (and deadlocked with the submissions tally's
    # foreign-key check on that row, tests/cecs/submissions/test_submission_tally.py).
    return (
        RenewalInvoice.objects.select_for_update(of=("self",))
        .select_related("cycle")
        .get(pk=invoice.pk)
    )


@transaction.atomic
def invoice_apply_late_fee(*, invoice, today=None):
    """Add the late fee to an open invoice paid after the grace period (before payment)."""
    invoice = _locked_invoice(invoice)
    fee = late_fee_due_cents(invoice=invoice, today=today)
    if fee:
        invoice.late_fee_cents = fee
        invoice._change_reason = "late fee added after the grace period"
        invoice.save(update_fields=["late_fee_cents"])
    return invoice


def _record_actor(invoice, actor):
    # Only a named actor overrides the request's user (the history middleware's default).
    if actor is not None:
        invoice._history_user = actor


@transaction.atomic
def invoice_mark_paid(*, invoice, receipt_number, now=None, actor=None):
    """Mark a payable invoice paid (payments calls this once the money is recorded).
    Only an open or refunded invoice can be paid; any other raises ApplicationError."""
    invoice = _locked_invoice(invoice)
    if not invoice.is_payable:
        raise ApplicationError(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; "
            "it cannot be marked paid."
        )
    invoice.status = RenewalInvoice.Status.PAID
    invoice.paid_at = now or timezone.now()
    _record_actor(invoice, actor)
    invoice._change_reason = f"paid: receipt {receipt_number}"
    invoice.save(update_fields=["status", "paid_at"])
    return invoice


@transaction.atomic
def invoice_mark_refunded(*, invoice, receipt_number, actor=None):
    """Mark a paid invoice refunded after its payment was refunded in full, so the holder
    can pay it again. Only a paid invoice can be refunded; any other raises ApplicationError."""
    invoice = _locked_invoice(invoice)
    if invoice.status != RenewalInvoice.Status.PAID:
        raise ApplicationError(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; "
            "only a paid invoice can be refunded."
        )
    invoice.status = RenewalInvoice.Status.REFUNDED
    _record_actor(invoice, actor)
    invoice._change_reason = f"refunded: receipt {receipt_number}"
    invoice.save(update_fields=["status"])
    return invoice


@transaction.atomic
def invoice_record_cecs_approved(*, invoice, approved_at=None):
    """Called when NAAEI approves the holder's CEC submission for this cycle."""
    invoice = _locked_invoice(invoice)
    if invoice.cecs_approved_at is None:
        invoice.cecs_approved_at = approved_at or timezone.now()
        invoice.save(update_fields=["cecs_approved_at"])
    renewal_complete_if_ready(invoice=invoice)
    return invoice


def next_expiry(expires_on):
    try:
        return expires_on.replace(year=expires_on.year + 1)
    except ValueError:  # 29 February
        return expires_on.replace(year=expires_on.year + 1, day=28)


@transaction.atomic
def renewal_complete_if_ready(*, invoice, now=None):
    """Complete the renewal once the invoice is settled and the CECs are approved or
    not owed: each renewed credential's expiry moves on a year. Safe to call twice;
    returns whether this call completed it."""
    invoice = _locked_invoice(invoice)
    cecs_done = invoice.cecs_approved_at is not None or not invoice.owes_cecs
    if invoice.completed_at is not None or not (invoice.is_settled and cecs_done):
        return False
    credentials = list(
        # OF self: the default ordering joins the credential types, which FOR UPDATE
        # would lock for every completion.
        HeldCredential.objects.select_for_update(of=("self",)).filter(
            pk__in=invoice.lines.values("held_credential_id")
        )
    )
    for credential in credentials:
        credential.expires_on = next_expiry(credential.expires_on)
        credential.status = HeldCredential.Status.ACTIVE
        credential.reinstated_for_year = None
        credential._change_reason = f"renewed for {invoice.cycle.year}"
        credential.save(update_fields=["expires_on", "status", "reinstated_for_year"])
    invoice.completed_at = now or timezone.now()
    invoice._change_reason = "renewal completed"
    invoice.save(update_fields=["completed_at"])
    return True


@transaction.atomic
def waiver_grant(*, holder, cycle, waive_fee, waive_cecs, reason, actor, now=None):
    if not (waive_fee or waive_cecs):
        raise ApplicationError("Choose what to waive: the fee, the CECs or both.")
    if not reason.strip():
        raise ApplicationError("Give the reason for the waiver.")
    now = now or timezone.now()
    waiver, _ = Waiver.objects.update_or_create(
        holder=holder,
        cycle=cycle,
        defaults={
            "waive_fee": waive_fee,
            "waive_cecs": waive_cecs,
            "reason": reason.strip(),
            "granted_by": actor,
            "granted_at": now,
        },
    )
    # OF self: the default ordering joins the cycle, whose row FOR UPDATE would lock too.
    invoice = (
        RenewalInvoice.objects.select_for_update(of=("self",))
        .filter(holder=holder, cycle=cycle)
        .first()
    )
    if invoice is not None and invoice.completed_at is None:
        fields = ["cecs_waived"]
        invoice.cecs_waived = waive_cecs
        if invoice.status in (RenewalInvoice.Status.OPEN, RenewalInvoice.Status.WAIVED):
            invoice.fee_waived = waive_fee
            invoice.status = (
                RenewalInvoice.Status.WAIVED if waive_fee else RenewalInvoice.Status.OPEN
            )
            fields += ["fee_waived", "status"]
        invoice._history_user = actor
        invoice._change_reason = f"waiver: {reason.strip()}"
        invoice.save(update_fields=fields)
        renewal_complete_if_ready(invoice=invoice, now=now)
    return waiver


def emeritus_grant(*, holder, since_year, reason, actor, now=None):
    if not reason.strip():
        raise ApplicationError("Give the reason for emeritus status.")
    status, _ = EmeritusStatus.objects.update_or_create(
        holder=holder,
        defaults={
            "since_year": since_year,
            "reason": reason.strip(),
            "granted_by": actor,
            "granted_at": now or timezone.now(),
        },
    )
    return status


def credential_statuses_refresh(*, cycle, today=None, batch_size=2000):
    """Move credentials the cycle renews along the calendar: due before the due date,
    in grace until the grace period ends, lapsed after it (unless renewed or
    reinstated). Returns {status: count changed}."""
    today = today or timezone.localdate()
    target = calendar_status(cycle=cycle, today=today)
    if target is None:
        return {}
    candidates = calendar_candidates(cycle=cycle, target=target)
    changing = list(candidates.exclude(status=target))
    for credential in changing:
        credential.status = target
    bulk_update_with_history(
        changing,
        HeldCredential,
        ["status"],
        batch_size=batch_size,
        default_change_reason=(f"{target} on {today.isoformat()} ({cycle.year} cycle)"),
    )
    return {target: len(changing)}


@transaction.atomic
def credential_reinstate(*, credential, actor, reason):
    credential = HeldCredential.objects.select_for_update().get(pk=credential.pk)
    if credential.status != HeldCredential.Status.LAPSED:
        raise ApplicationError(f"{credential} is not lapsed.")
    from .selectors import current_cycle

    cycle = current_cycle()
    credential.status = HeldCredential.Status.GRACE
    credential.reinstated_for_year = cycle.year if cycle else None
    credential._history_user = actor
    credential._change_reason = f"reinstated: {reason}"
    credential.save(update_fields=["status", "reinstated_for_year"])
    return credential
