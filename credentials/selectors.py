"""Reads of credentials, cycles and invoices. The CECs-owed rule lives here, once."""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .models import (
    CecRequirement,
    EmeritusStatus,
    HeldCredential,
    InvoiceLine,
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


def holders_with_credential_number(*, number):
    """The ids of the holder records holding a credential with this number (any case), for
    claiming a record (holders reads it through settings.HOLDERS_WITH_CREDENTIAL_NUMBER)."""
    return list(
        HeldCredential.objects.filter(number__iexact=number.strip()).values_list(
            "holder_id", flat=True
        )
    )


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


# What the public verification page may show of a credential and its holder, no more.
PUBLIC_CREDENTIAL_FIELDS = (
    "number",
    "status",
    "earned_on",
    "expires_on",
    "credential_type__code",
    "credential_type__name",
    "holder__first_name",
    "holder__last_name",
)


def _public_credential(credentials):
    return (
        with_renewal_year(credentials)
        .select_related("credential_type", "holder")
        .only(*PUBLIC_CREDENTIAL_FIELDS)
        .first()
    )


def public_credential_lookup(*, number, last_name):
    """Public register: a credential by number and the holder's last name, or None."""
    return _public_credential(
        HeldCredential.objects.filter(
            number__iexact=number.strip(), holder__last_name__iexact=last_name.strip()
        )
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


# --- Statuses along the calendar, and what a status means in words --------------------


def calendar_status(*, cycle, today):
    """The status the calendar gives the credentials `cycle` renews on `today`: due before
    the due date, in grace until the grace period ends, lapsed after it; None before the
    cycle's invoices go out (they keep the status they have). The one place the dates
    decide: the daily refresh and a credential created today both ask it."""
    if cycle is None or today < cycle.invoices_go_out_on:
        return None
    if today > cycle.grace_ends_on:
        return HeldCredential.Status.LAPSED
    if today >= cycle.due_on:
        return HeldCredential.Status.GRACE
    return HeldCredential.Status.DUE


def calendar_candidates(*, cycle, target):
    """The credentials the refresh moves to `target`: those the cycle renews, and for
    lapsing those not reinstated for it."""
    if target == HeldCredential.Status.LAPSED:
        return credentials_to_lapse(cycle=cycle)
    return renewing_credentials(cycle=cycle)


def _renewed_by(credential, cycle, target):
    """Python's reading of calendar_candidates for one credential not yet saved (so it
    cannot be queried); tests/credentials/test_statuses.py shows the two agree."""
    return (
        credential.credential_type.renews
        and credential.expires_on is not None
        and credential.expires_on <= cycle.due_on
        and not (
            target == HeldCredential.Status.LAPSED and credential.reinstated_for_year == cycle.year
        )
    )


def new_credential_status(*, credential, today=None):
    """The status of a credential staff add or import today: what the daily refresh would
    give it (calendar_status), or active when the current cycle does not renew it.
    Factories and the benchmark's seeder set their own."""
    today = today or timezone.localdate()
    cycle = current_cycle(today=today)
    target = calendar_status(cycle=cycle, today=today)
    if target is not None and _renewed_by(credential, cycle, target):
        return target
    return HeldCredential.Status.ACTIVE


def long_date(day):
    return f"{day:%B} {day.day}, {day.year}"


@dataclass(frozen=True)
class Standing:
    """Where one credential stands, in the words the holder's pages, the completion mail,
    the renewal card and the public verification page all use (credential_standing)."""

    code: str
    status: str
    text: str  # "Renewed, valid through December 31, 2027", "Due for renewal", "Lapsed"
    renewed: bool
    card_available: bool
    card_refusal: str  # why there is no card yet, and what to do ("" when there is one)

    @property
    def summary(self):
        """ "CAM renewed, valid through December 31, 2027", for lists and mail."""
        return f"{self.code} {self.text[0].lower()}{self.text[1:]}"


def with_renewal_year(queryset):
    """Annotate credentials with `renewed_for_year`: the latest cycle year whose completed
    renewal included them (None if none did)."""
    completed = (
        InvoiceLine.objects.filter(
            held_credential=OuterRef("pk"), invoice__completed_at__isnull=False
        )
        .order_by("-invoice__cycle__year")
        .values("invoice__cycle__year")[:1]
    )
    return queryset.annotate(renewed_for_year=Subquery(completed))


def credential_standing(*, credential, today=None):
    """One credential's standing in words, from its status and dates. `credential` comes
    from with_renewal_year (or has `renewed_for_year` set) and has its type loaded."""
    today = today or timezone.localdate()
    code = credential.credential_type.code
    status = credential.status
    expires = credential.expires_on
    renewed = getattr(credential, "renewed_for_year", None) is not None
    valid = status == HeldCredential.Status.ACTIVE and (expires is None or expires >= today)
    if status == HeldCredential.Status.LAPSED:
        text = "Lapsed"
        refusal = (
            f"Your {code} has lapsed, so there is no renewal card for it. Contact the "
            "AASC office to reinstate it."
        )
    elif status == HeldCredential.Status.GRACE:
        text = "In grace period"
        refusal = (
            f"Your {code} is not renewed yet, so there is no renewal card for it. Finish the "
            "steps of your renewal; the card is ready as soon as the renewal is complete."
        )
    elif status == HeldCredential.Status.DUE:
        text = "Due for renewal"
        refusal = (
            f"Your {code} is due for renewal, so there is no renewal card for it yet. Finish "
            "the steps of your renewal; the card is ready as soon as the renewal is complete."
        )
    elif expires is None:
        text, refusal = "Active, lifetime credential", ""
    elif not valid:
        text = f"Expired on {long_date(expires)}"
        refusal = f"Your {code} expired on {long_date(expires)}. Contact the AASC office."
    else:
        text = f"{'Renewed' if renewed else 'Active'}, valid through {long_date(expires)}"
        refusal = ""
    return Standing(
        code=code,
        status=status,
        text=text,
        renewed=renewed and valid,
        card_available=valid,
        card_refusal=refusal,
    )


def holder_credentials_with_standing(*, holder, today=None):
    """The holder's credentials, each with `.standing` (credential_standing)."""
    credentials = list(with_renewal_year(holder_credentials(holder=holder)))
    for credential in credentials:
        credential.standing = credential_standing(credential=credential, today=today)
    return credentials


def holder_credential(*, holder, pk):
    """One of the holder's own credentials, with its renewal year, or None."""
    return (
        with_renewal_year(holder_credentials(holder=holder).select_related("holder"))
        .filter(pk=pk)
        .first()
    )


def renewed_on_invoice(*, invoice, today=None):
    """The credentials `invoice` renewed, once it is complete (else none), each with
    `.standing`: `.standing.summary` is "CAM renewed, valid through December 31, 2027"."""
    if invoice.completed_at is None:
        return []
    credentials = list(
        with_renewal_year(
            HeldCredential.objects.filter(
                pk__in=InvoiceLine.objects.filter(invoice=invoice).values("held_credential_id")
            ).select_related("credential_type")
        )
    )
    for credential in credentials:
        credential.standing = credential_standing(credential=credential, today=today)
    return credentials


def credential_for_verification(*, pk):
    """A credential for the public verification page opened from a card's address."""
    return _public_credential(HeldCredential.objects.filter(pk=pk))


@dataclass(frozen=True)
class MultipleCredentialsExample:
    larger: CecRequirement
    smaller: CecRequirement
    owed: CecsOwed  # what holding both owes: the larger
    sum: Decimal  # what it does not owe


@dataclass(frozen=True)
class RequirementYear:
    """One open or upcoming renewal's CEC requirements, for the public requirements page."""

    year: int
    window: EarningWindow
    requirements: list  # CecRequirement rows in force, in the credential types' order
    example: MultipleCredentialsExample | None


def requirement_years(*, today=None):
    """The CEC requirement of each credential type for every renewal holders can still earn
    CECs for (open_earning_windows), with the multiple-credentials rule worked on the data:
    the first type owing the most with the first owing the least (CAM and NALP in the real
    schedule, the seed's example)."""
    today = today or timezone.localdate()
    years = []
    for window in open_earning_windows(today=today):
        in_force = requirements_by_type(year=window.year).values()
        rows = sorted(
            in_force,
            key=lambda r: (r.credential_type.display_order, r.credential_type.code),
        )
        owing = [r for r in rows if r.total_cecs > 0]
        example = None
        if owing:
            larger = max(owing, key=lambda r: r.total_cecs)
            smaller = min(owing, key=lambda r: r.total_cecs)
            if smaller.total_cecs < larger.total_cecs:
                example = MultipleCredentialsExample(
                    larger=larger,
                    smaller=smaller,
                    owed=cecs_owed_from([larger, smaller]),
                    sum=larger.total_cecs + smaller.total_cecs,
                )
        years.append(
            RequirementYear(year=window.year, window=window, requirements=rows, example=example)
        )
    return years
