"""Reads of the CEC ledger. What counts for a cycle is decided here, once."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Least
from django.db.models.lookups import GreaterThanOrEqual

from core.formatting import format_hours
from credentials.selectors import cecs_owed_from, renewing_credentials, requirements_by_type

from ..models import (
    ActivityKind,
    Category,
    CecEntry,
    ReportingForm,
    Submission,
    SubmissionEntry,
)

ZERO = Decimal(0)

# The one place that says which ledger lines can count at all: counted ones, and claimed
# ones until NAAEI decides (so the holder can submit them); withdrawn ones and those NAAEI
# did not accept never do. cec_status (one holder, in Python, with reasons) and
# cec_count_expressions (many holders, in SQL) both read it, so they cannot drift apart.
COUNTABLE_STATUSES = (CecEntry.Status.COUNTED, CecEntry.Status.CLAIMED)
CLAIMED_NOTE = "Claimed: NAAEI reviews it with your submission."


@dataclass
class EntryLine:
    entry: CecEntry
    counted_hours: Decimal
    reason: str = ""  # why (part of) it does not count


@dataclass
class CecStatus:
    year: int
    window_start: object
    window_end: object
    owed: Decimal
    in_network_minimum: Decimal
    participation_cap: Decimal | None
    waived: bool
    counting: list = field(default_factory=list)
    not_counting: list = field(default_factory=list)
    pending_forms: object = None  # a lazy queryset of forms not yet verified
    in_network: Decimal = ZERO
    participation: Decimal = ZERO
    other: Decimal = ZERO

    @property
    def total(self):
        return self.in_network + self.participation + self.other

    @property
    def listed_from(self):
        """January 1 of the year before the window."""
        return datetime.date(self.window_start.year - 1, 1, 1)

    @property
    def missing_total(self):
        return max(ZERO, self.owed - self.total)

    @property
    def missing_in_network(self):
        return max(ZERO, self.in_network_minimum - self.in_network)

    @property
    def missing(self):
        """CECs still to earn: at least the in-network shortfall."""
        return max(self.missing_total, self.missing_in_network)

    @property
    def is_met(self):
        return self.waived or self.missing == 0

    @property
    def participation_over_cap(self):
        return sum((line.entry.hours - line.counted_hours for line in self.counting), ZERO)


def cycle_requirement(*, holder, cycle, invoice=None):
    """CECs owed for the cycle: from the invoice when issued (its snapshot), else from
    the credentials the cycle renews."""
    if invoice is not None:
        return (
            invoice.cecs_owed,
            invoice.in_network_minimum,
            invoice.participation_cap,
            (invoice.cecs_waived),
        )
    in_force = requirements_by_type(year=cycle.year)
    type_ids = (
        renewing_credentials(cycle=cycle)
        .filter(holder=holder)
        .values_list("credential_type_id", flat=True)
    )
    owed = cecs_owed_from(in_force.get(type_id) for type_id in type_ids)
    return owed.total, owed.in_network_minimum, owed.participation_cap, False


def earning_window(*, cycle, invoice=None):
    """(first, last) day CECs may be earned on: the invoice's, frozen when it was issued,
    so the status agrees with the invoice after staff edit the cycle; else the cycle's."""
    source = invoice if invoice is not None else cycle
    return source.cec_window_start, source.cec_window_end


def count_entries(*, status, entries):
    """design.md rule 2 on `entries`, in date order, into `status` (its window, cap and
    year already set): what counts, in which category, and why the rest does not.
    cec_status passes the holder's ledger; the benchmark seeder passes entries it has
    not written yet, so both count the same way."""
    cap, window_start, window_end = (
        status.participation_cap,
        status.window_start,
        status.window_end,
    )
    room = cap  # participation CECs that may still count; None = no cap
    for entry in entries:
        if entry.status not in COUNTABLE_STATUSES:
            status.not_counting.append(EntryLine(entry, ZERO, _not_counting_reason(entry)))
            continue
        if not window_start <= entry.earned_on <= window_end:
            reason = _outside_window_reason(entry, status)
            status.not_counting.append(EntryLine(entry, ZERO, reason))
            continue
        if entry.category == Category.PARTICIPATION:
            counted = entry.hours if room is None else min(entry.hours, room)
            if room is not None:
                room -= counted
            status.participation += counted
            over = entry.hours - counted
            cap_text = f"the {format_hours(cap)}-CEC participation cap" if cap is not None else ""
            if counted == 0:
                status.not_counting.append(EntryLine(entry, ZERO, f"Over {cap_text}."))
            else:
                reason = f"{format_hours(over)} over {cap_text}." if over else ""
                status.counting.append(EntryLine(entry, counted, _claimed(entry, reason)))
        else:
            if entry.category == Category.IN_NETWORK:
                status.in_network += entry.hours
            else:
                status.other += entry.hours
            status.counting.append(EntryLine(entry, entry.hours, _claimed(entry, "")))
    return status


def _outside_window_reason(entry, status):
    reason = (
        f"Earned in {entry.earned_on.year}; the {status.year} renewal accepts only "
        f"CECs earned in {status.window_end.year}."
    )
    if entry.earned_on > status.window_end:
        reason += " It counts towards a later renewal."
    return reason


def _not_counting_reason(entry):
    if entry.status == CecEntry.Status.NOT_ACCEPTED:
        return f"Not accepted by NAAEI: {entry.correction_note}"
    return entry.correction_note or "Withdrawn"


def _claimed(entry, reason):
    """A counting line's note: a claim says NAAEI still reviews it."""
    if entry.status != CecEntry.Status.CLAIMED:
        return reason
    return f"{CLAIMED_NOTE} {reason}".strip()


def cec_status(*, holder, cycle, invoice=None):
    """What counts for cycle `cycle`: entries earned inside its window, participation up
    to the cap (in date order), against the CECs owed; and what does not, with why."""
    owed, minimum, cap, waived = cycle_requirement(holder=holder, cycle=cycle, invoice=invoice)
    window_start, window_end = earning_window(cycle=cycle, invoice=invoice)
    status = CecStatus(
        year=cycle.year,
        window_start=window_start,
        window_end=window_end,
        owed=owed,
        in_network_minimum=minimum,
        participation_cap=cap,
        waived=waived,
    )
    # Entries from the year before the window on are explained here; older ones are only
    # in the holder's history, so the page stays the same size however long they hold a
    # credential.
    entries = (
        CecEntry.objects.filter(holder=holder, earned_on__gte=status.listed_from)
        .select_related("source")
        .order_by("earned_on", "pk")
    )
    count_entries(status=status, entries=entries)
    # A lazy queryset: only pages that show the pending forms pay for the query.
    # Claimed forms are in the ledger already, as claimed entries.
    status.pending_forms = ReportingForm.objects.filter(holder=holder).exclude(
        status__in=[ReportingForm.Status.VERIFIED, ReportingForm.Status.CLAIMED]
    )
    return status


# --- The same rule for many invoices at once, in SQL ------------------------------------

SQL_HOURS = DecimalField(max_digits=10, decimal_places=2)
SQL_ZERO = Value(0, output_field=SQL_HOURS)


def _counted_hours_sql(category):
    """Hours of `category` the invoice's holder earned inside the invoice's frozen window:
    cec_status's window and status checks, for the outer RenewalInvoice row."""
    entries = CecEntry.objects.filter(
        holder=OuterRef("holder"),
        status__in=COUNTABLE_STATUSES,
        category=category,
        earned_on__gte=OuterRef("cec_window_start"),
        earned_on__lte=OuterRef("cec_window_end"),
    )
    total = entries.values("holder").annotate(total=Sum("hours")).values("total")
    return Coalesce(Subquery(total, output_field=SQL_HOURS), SQL_ZERO)


def cec_count_expressions():
    """design.md rule 2 as SQL expressions over a RenewalInvoice row, from its snapshot
    (cecs_owed, in_network_minimum, participation_cap, cecs_waived, cec_window_*), exactly
    as cec_status counts with that invoice: participation up to the cap (counting in date
    order up to the cap adds up to the smaller of the two), met = waived, or the total and
    the in-network minimum both reached. Keys: cec_in_network, cec_participation (capped),
    cec_other, cec_total, cecs_met (a Q, usable in filters and in Count(filter=...)).
    tests/cecs/ledger/test_cec_count_agreement.py checks both agree on random ledgers."""
    in_network = _counted_hours_sql(Category.IN_NETWORK)
    participation_earned = _counted_hours_sql(Category.PARTICIPATION)
    # No cap (NULL) = all of it counts.
    participation = Least(
        participation_earned, Coalesce(F("participation_cap"), participation_earned)
    )
    other = _counted_hours_sql(Category.OTHER)
    total = in_network + participation + other
    met = Q(cecs_waived=True) | (
        Q(GreaterThanOrEqual(total, F("cecs_owed")))
        & Q(GreaterThanOrEqual(in_network, F("in_network_minimum")))
    )
    return {
        "cec_in_network": in_network,
        "cec_participation": participation,
        "cec_other": other,
        "cec_total": total,
        "cecs_met": met,
    }


def invoices_with_cec_counts(queryset):
    """RenewalInvoice rows annotated with what cec_status would say for each: counted
    cec_in_network, cec_participation, cec_other, cec_total and cecs_met; one query."""
    expressions = cec_count_expressions()
    met = expressions.pop("cecs_met")
    return queryset.annotate(
        **expressions, cecs_met=ExpressionWrapper(met, output_field=BooleanField())
    )


def holder_entries(*, holder, year=None):
    entries = CecEntry.objects.filter(holder=holder).select_related("source")
    entries = entries.order_by("-earned_on", "-pk")
    if year is not None:
        entries = entries.filter(earned_on__year=year)
    return entries


def missing_message(status):
    """What a holder still needs, in words, with how to get it."""
    text = (
        f"The {status.year} renewal needs {format_hours(status.owed)} CECs earned in "
        f"{status.window_end.year}; {format_hours(status.total)} count so far, so "
        f"{format_hours(status.missing)} more are missing"
    )
    if status.missing_in_network:
        text += (
            f" (at least {format_hours(status.missing_in_network)} of them in-network: "
            "an AASC, NAA or NAAEI class)"
        )
    return (
        text + ". AASC classes add CECs to your portal automatically; report Expo classes, "
        "committee service, volunteering and courses from NAA, NAAEI or another provider "
        "(with the certificate) on a CEC Reporting Form."
    )


# Here, not with the submissions, because the entry lock below reads it and the ledger
# imports no other sub-domain; the submission services and pages import it from here.
OPEN_SUBMISSION = (Submission.Status.PENDING, Submission.Status.APPROVED)


def entry_is_locked(*, entry):
    """Entries in a pending or approved submission cannot be edited or removed."""
    return SubmissionEntry.objects.filter(
        entry=entry, submission__status__in=OPEN_SUBMISSION
    ).exists()


def cec_progress(status):
    """The status as bar segments (percent of what is owed) for the progress bar."""
    if status is None:
        return None
    scale = max(status.owed, status.total) or 1
    parts, x = [], Decimal(0)
    for kind, hours in (
        ("in_network", status.in_network),
        ("participation", status.participation),
        ("other", status.other),
    ):
        width = (Decimal(100) * hours / scale).quantize(Decimal("0.1"))
        parts.append({"kind": kind, "x": x, "width": width})
        x += width
    return {
        "owed": status.owed,
        "total": status.total,
        "in_network": status.in_network,
        "participation": status.participation,
        "other": status.other,
        "minimum": status.in_network_minimum,
        "cap": status.participation_cap,
        "parts": parts,
    }


@dataclass(frozen=True)
class KindGroup:
    category: str  # Category value
    label: str
    kinds: list


def active_kinds_by_category():
    """The activity kinds staff offer (active), grouped by where their CECs count, in the
    categories' order: what the "What counts as a CEC" page lists."""
    kinds = list(ActivityKind.objects.filter(active=True))
    return [
        KindGroup(category=value, label=label, kinds=[k for k in kinds if k.category == value])
        for value, label in Category.choices
        if any(k.category == value for k in kinds)
    ]
