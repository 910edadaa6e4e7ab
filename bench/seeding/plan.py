"""What each holder looks like: a plan drawn from a seeded random generator (the same in
every pass of one run), and what of its ledger counts, by the portal's own rule."""

import dataclasses
import datetime
import functools
import random
from dataclasses import dataclass, field
from decimal import Decimal

from bench.seeding.constants import (
    BENCH_HOLDER,
    CITIES,
    CURRENT_CYCLE,
    DOMAIN,
    EMPLOYERS,
    FIRST,
    FORM_SOURCES,
    HOURS_BY_SOURCE,
    JOBS,
    LAST,
    LAST_EARNED,
    PAST_CYCLE,
    SHOWCASE,
    SOURCE_WEIGHTS,
    TOPICS,
    TYPE_WEIGHTS,
    day_in,
    pick,
)
from cecs.ledger.selectors import CecStatus, count_entries
from cecs.models import ActivityKind, CecEntry, ReportingForm, Source
from credentials.selectors import cecs_owed_from

CLAIMED_BY = datetime.date(2026, 10, 31)  # before the earliest 2027 submission (November 12)
NOT_ACCEPTED_NOTE = "The certificate does not show the course hours or the completion date."


@functools.cache
def category_of(code):
    """Where the activity kind's CECs count: the kinds are data (cecs.models.ActivityKind),
    read once per seeding run."""
    return ActivityKind.objects.get(code=code).category


@dataclass(slots=True)
class EntrySpec:
    year: int
    earned_on: datetime.date
    hours: Decimal
    source: str
    class_index: int | None = None
    withdrawn: bool = False
    topic: str = ""
    # A course claimed for NAAEI to review: its entry's status so far (claimed, counted
    # once NAAEI approved, not_accepted); "" for every other entry.
    claim: str = ""

    # What count_entries reads of a ledger line.
    @property
    def status(self):
        if self.withdrawn:
            return CecEntry.Status.WITHDRAWN
        return self.claim or CecEntry.Status.COUNTED

    @property
    def category(self):
        return category_of(self.source)

    @property
    def correction_note(self):
        return NOT_ACCEPTED_NOTE if self.status == CecEntry.Status.NOT_ACCEPTED else ""


@dataclass(slots=True)
class HolderPlan:
    index: int
    email: str
    has_account: bool
    first_name: str
    last_name: str
    city: str
    zip_code: str
    phone: str
    employer: str
    job_title: str
    types: list
    lapsed: bool
    emeritus: bool
    waiver_2026: tuple | None
    waiver_2027: tuple | None
    entries: list = field(default_factory=list)  # earning year 2025, then 2026, by date
    pending_forms: list = field(default_factory=list)  # (status, date, hours, source)
    past_invoice_roll: float = 0.0
    paid_2026_on: datetime.date | None = None
    rejected_first_2026: bool = False
    confirmed_2026: bool = False
    confirmed_2027: bool = False
    paid_2027_on: datetime.date | None = None
    open_checkout_2027: bool = False
    submission_2027: str = ""  # "", pending, approved, rejected, rejected+pending
    reminder_failed_2027: bool = False
    claimed_course: tuple | None = None  # (date, hours, topic) of an NAA course claimed
    course_not_accepted: bool = False  # NAAEI named it in rejecting the 2027 submission


class Planner:
    """Deterministic holders: plan(i) is the same in every pass of one run."""

    def __init__(self, seed, classes_by_year, types, requirements):
        self.seed = seed
        self.classes = classes_by_year  # year → [(held_on, hours, title)]
        self.types = types  # code → CredentialType
        self.requirements = requirements  # cycle year → {type id → CecRequirement}

    def plan(self, i):
        rng = random.Random(self.seed * 10_000_019 + i)  # noqa: S311 - test data
        bench = i == 0
        showcase = SHOWCASE.get(i)
        # The steps draw from `rng` in this order: changing it changes every holder.
        plan = self._person(rng, i, bench, showcase)
        if not bench and rng.random() < 0.02:
            plan.waiver_2026 = rng.choice([(True, False), (False, True), (True, True)])
        if not bench and not plan.lapsed and rng.random() < 0.015:
            plan.waiver_2027 = rng.choice([(True, False), (False, True), (True, True)])
        low_activity = not bench and rng.random() < 0.12
        for year in (2025, 2026):
            plan.entries += self._entries(
                rng, year, low=low_activity and year == 2026, full=bench or showcase is not None
            )
        if plan.has_account:
            self._pending_forms(rng, plan, bench)
        self._renewal(rng, plan, bench)
        if not bench:  # drawn last, so the claims leave the rest of every plan as it was
            self._claims(rng, plan)
        if showcase is not None:  # a few holders make sure every state is there, whatever N
            plan.has_account = True
            for name, value in showcase.items():
                setattr(plan, name, value)
        if plan.claimed_course and plan.has_account:
            self._add_claim(plan)
        if self._renews(plan.types) and not plan.lapsed and plan.has_account:
            # Who renewed in 2026 had the CECs; who submits for 2027 has them too.
            self._top_up(plan, PAST_CYCLE)
            if plan.submission_2027:
                self._top_up(plan, CURRENT_CYCLE)
        return plan

    def _renews(self, types):
        return any(self.types[code].renews for code in types)

    def _person(self, rng, i, bench, showcase):
        """Who the holder is and what they hold."""
        city, zip_prefix = rng.choice(CITIES)
        if bench:
            types = ["CAM", "NALP", "CAMT"]
        elif showcase is not None:
            types = ["CAM"]
        else:
            count = rng.choices([1, 2, 3], weights=[55, 33, 12])[0]
            types = []
            while len(types) < count:
                code = pick(rng, TYPE_WEIGHTS)
                if code not in types:
                    types.append(code)
        return HolderPlan(
            index=i,
            email=BENCH_HOLDER if bench else f"holder{i:06d}@{DOMAIN}",
            has_account=bench or rng.random() > 0.08,
            first_name="Bench" if bench else rng.choice(FIRST),
            last_name="Holder" if bench else rng.choice(LAST),
            city=city,
            zip_code=f"{zip_prefix}{rng.randrange(100):02d}",
            phone=f"+1719555{rng.randrange(10_000):04d}",
            employer=rng.choice(EMPLOYERS),
            job_title=rng.choice(JOBS),
            types=types,
            lapsed=self._renews(types) and not bench and rng.random() < 0.03,
            emeritus=not bench and rng.random() < 0.005,
            waiver_2026=None,
            waiver_2027=None,
        )

    def _pending_forms(self, rng, plan, bench):
        """Reporting forms not yet verified: drafts, submitted, returned, and a few the
        holder removed."""
        roll = 0.0 if bench else rng.random()
        statuses = [ReportingForm.Status.DRAFT] if bench else []
        statuses += [ReportingForm.Status.RETURNED] if bench or roll < 0.03 else []
        if 0.03 <= roll < 0.10:
            statuses.append(ReportingForm.Status.SUBMITTED)
        if 0.10 <= roll < 0.15:
            statuses.append(ReportingForm.Status.DRAFT)
        if 0.15 <= roll < 0.16:
            statuses.append(ReportingForm.Status.REMOVED)
        for status in statuses:
            source = rng.choice(sorted(FORM_SOURCES))
            day = day_in(rng, datetime.date(2026, 9, 1), LAST_EARNED)
            plan.pending_forms.append(
                (status, day, Decimal(rng.choice(HOURS_BY_SOURCE[source])), source)
            )

    def _renewal(self, rng, plan, bench):
        """How the 2026 renewal went and how far the 2027 one has got."""
        plan.past_invoice_roll = rng.random()
        plan.paid_2026_on = day_in(rng, datetime.date(2025, 11, 3), datetime.date(2026, 3, 20))
        plan.rejected_first_2026 = rng.random() < 0.04
        plan.confirmed_2026 = rng.random() < 0.95
        plan.confirmed_2027 = not bench and rng.random() < 0.6
        if not bench and rng.random() < 0.35:
            plan.paid_2027_on = day_in(rng, datetime.date(2026, 11, 3), datetime.date(2026, 11, 24))
        plan.open_checkout_2027 = plan.paid_2027_on is None and rng.random() < 0.03
        roll = rng.random()
        if not bench:
            if roll < 0.30:
                plan.submission_2027 = "pending"
            elif roll < 0.40:
                plan.submission_2027 = "approved"
            elif roll < 0.43:
                plan.submission_2027 = "rejected"
            elif roll < 0.45:
                plan.submission_2027 = "rejected+pending"
        plan.reminder_failed_2027 = rng.random() < 0.02

    def _claims(self, rng, plan):
        """An NAA course claimed in the current earning year (about 2 % of holders), and
        one NAAEI did not accept in about one in ten rejected 2027 submissions (about
        0.5 % of holders). Every value is drawn whatever the rolls, for a fixed order."""
        claims, not_accepted = rng.random() < 0.02, rng.random() < 0.10
        day = day_in(rng, datetime.date(2026, 1, 1), CLAIMED_BY)
        hours = Decimal(rng.choice(HOURS_BY_SOURCE[Source.NAA_COURSE]))
        topic = rng.choice(TOPICS)
        plan.course_not_accepted = not_accepted and "rejected" in plan.submission_2027
        if claims or plan.course_not_accepted:
            plan.claimed_course = (day, hours, topic)

    def _add_claim(self, plan):
        """The claimed course's entry as NAAEI has left it: counted if it approved the 2027
        submission, not accepted if it named it in rejecting one, else still claimed.
        Before the top-up, so a resubmission still meets the requirement without it."""
        day, hours, topic = plan.claimed_course
        kinds = plan.submission_2027.split("+") if self._submits(plan) else []
        claim = CecEntry.Status.CLAIMED
        if kinds and kinds[-1] == "approved":
            claim = CecEntry.Status.COUNTED
        elif plan.course_not_accepted and "rejected" in kinds:
            claim = CecEntry.Status.NOT_ACCEPTED
        entry = EntrySpec(2026, day, hours, Source.NAA_COURSE, topic=topic, claim=claim)
        plan.entries.append(entry)
        plan.entries.sort(key=lambda e: (e.year, e.earned_on))

    def _submits(self, plan):
        """The holder submits for 2027 (as the top-up and the phase-two writer decide)."""
        renews = self._renews(plan.types) and not plan.lapsed and plan.has_account
        return bool(renews and plan.submission_2027) and self.owed(plan, CURRENT_CYCLE) is not None

    def owed(self, plan, cycle_year):
        """CECs the cycle's invoice will say are owed (None when none or waived)."""
        waiver = plan.waiver_2026 if cycle_year == PAST_CYCLE else plan.waiver_2027
        waived = plan.emeritus or bool(waiver and waiver[1])
        owed = cecs_owed_from(
            self.requirements[cycle_year].get(self.types[code].pk)
            for code in plan.types
            if self.types[code].renews
        )
        return None if waived or owed.total <= 0 else owed

    def _top_up(self, plan, cycle_year):
        """Add AASC classes earned in the cycle's year until its requirement is met."""
        owed, year = self.owed(plan, cycle_year), cycle_year - 1
        if owed is None:
            return
        pool = self.classes[year]
        taken = {e.class_index for e in plan.entries if e.year == year}
        k = 0
        while len(taken) < len(pool) and not is_met(
            count_cecs(plan.entries, year, owed.participation_cap),
            owed.total,
            owed.in_network_minimum,
        ):
            index = (plan.index * 7 + k) % len(pool)
            k += 1
            if index in taken:
                continue
            taken.add(index)
            held_on, hours, _ = pool[index]
            plan.entries.append(EntrySpec(year, held_on, hours, Source.AASC_CLASS, index))
            plan.entries.sort(key=lambda e: (e.year, e.earned_on))

    def _entries(self, rng, year, low=False, full=False):
        """About 10 entries earned in `year`; `full` (the bench holder) has 12, at least
        one from each source."""
        count = rng.randint(1, 5) if low else 12 if full else rng.randint(8, 12)
        last = LAST_EARNED if year == 2026 else datetime.date(year, 12, 31)
        pool = self.classes[year]
        sources = [pick(rng, SOURCE_WEIGHTS) for _ in range(count)]
        if full:
            sources[: len(SOURCE_WEIGHTS)] = list(SOURCE_WEIGHTS)
        class_indexes = iter(
            rng.sample(range(len(pool)), min(len(pool), sources.count(Source.AASC_CLASS)))
        )
        entries = []
        for source in sources:
            if source == Source.AASC_CLASS:
                index = next(class_indexes, None)
                if index is None:
                    continue
                held_on, hours, _ = pool[index]
                entries.append(
                    EntrySpec(
                        year,
                        held_on,
                        hours,
                        source,
                        index,
                        withdrawn=not full and rng.random() < 0.01,
                    )
                )
            else:
                entries.append(
                    EntrySpec(
                        year,
                        day_in(rng, datetime.date(year, 1, 1), last),
                        Decimal(rng.choice(HOURS_BY_SOURCE[source])),
                        source,
                        topic=rng.choice(TOPICS),
                    )
                )
        entries.sort(key=lambda e: e.earned_on)
        return entries


@dataclass
class Counted:
    total: Decimal
    in_network: Decimal
    participation: Decimal
    lines: list  # (entry position, counted hours)


def count_cecs(entries, year, cap):
    """What counts of the plan's entries earned in `year` for the next year's renewal: the
    portal's own rule (cecs.ledger.selectors.count_entries), before the rows are written."""
    status = CecStatus(
        year=year + 1,
        window_start=datetime.date(year, 1, 1),
        window_end=datetime.date(year, 12, 31),
        owed=Decimal(0),
        in_network_minimum=Decimal(0),
        participation_cap=cap,
        waived=False,
    )
    position = {id(entry): k for k, entry in enumerate(entries)}
    count_entries(status=status, entries=[entry for entry in entries if entry.year == year])
    lines = [(position[id(line.entry)], line.counted_hours) for line in status.counting]
    return Counted(status.total, status.in_network, status.participation, lines)


def as_submitted(entries):
    """The ledger as NAAEI saw it when it rejected a submission: the entries it did not
    accept were still claimed (and counted in it)."""
    return [
        dataclasses.replace(e, claim=CecEntry.Status.CLAIMED)
        if e.status == CecEntry.Status.NOT_ACCEPTED
        else e
        for e in entries
    ]


def is_met(counted, owed, minimum):
    return counted.total >= owed and counted.in_network >= minimum
