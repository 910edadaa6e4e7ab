"""Reads of credentials, cycles and invoices. The CECs-owed rule lives here, once."""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .models import (
    CecRequirement,
    EmeritusStatus,
    HeldCredential,
    RenewalCycle,
    RenewalInvoice,
    Waiver,
)


@dataclass(frozen=True)
class CecsOwed:
    total: Decimal
    in_network_minimum: Decimal
    participation_cap: Decimal | None
    set_by: str | None  # the credential code whose requirement applies


NO_CECS_OWED = CecsOwed(Decimal(0), Decimal(0), None, None)


def cecs_owed_from(requirements):
    """CECs owed for a set of credential requirements of one year.

    Holders of several credentials use the same CECs for all of them, so they owe
    the largest requirement, never the sum; the in-network minimum and the
    participation cap are those of the credential that sets the total.
    """
    requirements = [r for r in requirements if r is not None and r.total_cecs > 0]
    if not requirements:
        return NO_CECS_OWED
    largest = max(requirements, key=lambda r: (r.total_cecs, r.in_network_minimum))
    return CecsOwed(
        total=largest.total_cecs,
        in_network_minimum=largest.in_network_minimum,
        participation_cap=largest.participation_cap,
        set_by=largest.credential_type.code,
    )


def requirements_by_type(*, year):
    """{credential_type_id: requirement} in force for `year`: the latest row at or before it."""
    rows = (
        CecRequirement.objects.filter(from_year__lte=year)
        .select_related("credential_type")
        .order_by("credential_type_id", "-from_year")
    )
    in_force = {}
    for row in rows:
        in_force.setdefault(row.credential_type_id, row)
    return in_force


def requirement_for(*, credential_type, year):
    return (
        CecRequirement.objects.filter(credential_type=credential_type, from_year__lte=year)
        .select_related("credential_type")
        .order_by("-from_year")
        .first()
    )


def renewing_credentials(*, cycle):
    """Held credentials the cycle renews: renewable, not lapsed, expiring by its due date."""
    return HeldCredential.objects.filter(
        credential_type__renews=True,
        expires_on__isnull=False,
        expires_on__lte=cycle.due_on,
    ).exclude(status=HeldCredential.Status.LAPSED)


def cecs_waived_holder_ids(*, cycle):
    waived = Waiver.objects.filter(cycle=cycle, waive_cecs=True).values_list("holder_id", flat=True)
    emeritus = EmeritusStatus.objects.filter(since_year__lte=cycle.year).values_list(
        "holder_id", flat=True
    )
    return set(waived) | set(emeritus)


def fee_waived_holder_ids(*, cycle):
    return set(
        Waiver.objects.filter(cycle=cycle, waive_fee=True).values_list("holder_id", flat=True)
    )


# The cached value is a pickled RenewalCycle: a deploy that changes its columns uses a new key.
_CYCLE_COLUMNS = ",".join(field.attname for field in RenewalCycle._meta.concrete_fields)
CURRENT_CYCLE_CACHE_KEY = (
    f"credentials:current-cycle:{hashlib.sha256(_CYCLE_COLUMNS.encode()).hexdigest()[:12]}"
)


def current_cycle(*, today=None):
    """The cycle holders work on: the latest whose invoices have gone out.

    Every holder page asks, and the answer changes once a day at most, or when staff edit
    a cycle (credentials.signals forgets it), so today's answer is cached."""
    if today is not None:
        return _current_cycle_on(today)
    today = timezone.localdate()
    cached = cache.get(CURRENT_CYCLE_CACHE_KEY)
    if cached is not None and cached[0] == today:
        return cached[1]
    cycle = _current_cycle_on(today)
    cache.set(CURRENT_CYCLE_CACHE_KEY, (today, cycle), timeout=15 * 60)
    return cycle


def current_renewal_year(*, today=None):
    """The renewal year holders work on: the current cycle's, the one answer every page
    gives (the dashboard's steps, the contact page's confirmation, the demo seed).

    Before any cycle's invoices have gone out (a new install, or the first cycle not yet
    set up) there is no current cycle; the season's year then follows the calendar,
    since invoices for year Y go out in November of Y-1 (RENEWAL_SEASON_START_MONTH)."""
    cycle = current_cycle(today=today)
    if cycle is not None:
        return cycle.year
    today = today or timezone.localdate()
    if today.month >= settings.RENEWAL_SEASON_START_MONTH:
        return today.year + 1
    return today.year


@dataclass(frozen=True)
class EarningWindow:
    """A renewal year and the first and last day its CECs may have been earned."""

    year: int
    start: datetime.date
    end: datetime.date


def open_earning_windows(*, today):
    """The renewals a CEC dated `today` or earlier can still go to, oldest first: the
    current one until its grace period ends, and the next year's.

    Holders earn CECs for the next renewal all year, long before staff create its cycle
    (with its invoices, in the autumn), so without a row the upcoming renewal's window is
    design.md's default (cycle_defaults), read without creating the row. Before any
    cycle exists the current year follows current_renewal_year."""
    from .services import cycle_defaults  # services imports this module

    year = current_renewal_year(today=today)
    rows = {row.year: row for row in RenewalCycle.objects.filter(year__in=[year, year + 1])}
    windows = []
    for renewal_year in (year, year + 1):
        row = rows.get(renewal_year)
        dates = cycle_defaults(renewal_year) if row is None else vars(row)
        if renewal_year == year and today > dates["grace_ends_on"]:
            continue
        windows.append(
            EarningWindow(
                year=renewal_year, start=dates["cec_window_start"], end=dates["cec_window_end"]
            )
        )
    return windows


def forget_current_cycle():
    cache.delete(CURRENT_CYCLE_CACHE_KEY)


def _current_cycle_on(today):
    return RenewalCycle.objects.filter(invoices_go_out_on__lte=today).order_by("-year").first()


def holder_credentials(*, holder):
    return HeldCredential.objects.filter(holder=holder).select_related("credential_type")


def holder_invoice(*, holder, cycle):
    if cycle is None:
        return None
    return RenewalInvoice.objects.filter(holder=holder, cycle=cycle).select_related("cycle").first()


def holder_invoices(*, holder):
    return RenewalInvoice.objects.filter(holder=holder).select_related("cycle")


def late_fee_due_cents(*, invoice, today=None):
    """The late (reinstatement) fee to add before payment: open, unpaid after grace."""
    today = today or timezone.localdate()
    if (
        invoice.status == RenewalInvoice.Status.OPEN
        and not invoice.fee_waived
        and invoice.late_fee_cents == 0
        and today > invoice.grace_ends_on
    ):
        return invoice.cycle.late_fee_cents
    return 0


def amount_due_cents(*, invoice, today=None):
    """What the holder pays now: nothing on a settled invoice; the total (plus the late fee
    when it is due) on one still payable, a refunded invoice included."""
    if not invoice.is_payable:
        return 0
    return invoice.total_cents + late_fee_due_cents(invoice=invoice, today=today)


def credentials_to_lapse(*, cycle):
    return renewing_credentials(cycle=cycle).exclude(reinstated_for_year=cycle.year)


def public_credential_lookup(*, number, last_name):
    """Public register: a credential by number and the holder's last name, or None."""
    return (
        HeldCredential.objects.filter(
            number__iexact=number.strip(), holder__last_name__iexact=last_name.strip()
        )
        .select_related("credential_type", "holder")
        .only(
            "number",
            "status",
            "earned_on",
            "expires_on",
            "credential_type__code",
            "credential_type__name",
            "holder__first_name",
            "holder__last_name",
        )
        .first()
    )


def invoice_context(*, invoice):
    """What the invoice page (payments, which adds paying) and the invoice PDF show."""
    today = timezone.localdate()
    return {
        "invoice": invoice,
        "holder": invoice.holder,
        "late_fee_due_cents": late_fee_due_cents(invoice=invoice, today=today),
        "amount_due_cents": amount_due_cents(invoice=invoice, today=today),
        "earning_year": invoice.cec_window_end.year,
    }
