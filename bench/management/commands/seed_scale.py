"""`manage.py seed_scale --holders N`: a realistic large data set for `make bench`.

A command of the bench app, which only bench/settings.py installs (bench/run.py runs it with
DJANGO_SETTINGS_MODULE=bench.settings); the portal's own settings do not have it.

What it writes, for N holders (default 100,000), in PostgreSQL only:

- holders with 1 to 3 credentials (about 8 % imported without an account yet, about 3 %
  lapsed after not renewing in 2026, some holding only the lifetime CAMT);
- the 2026 cycle, finished: invoices paid, waived, open, void or refunded, with their
  lines, payments, checkout attempts, reminders, and approved (some first rejected)
  CEC submissions;
- the 2027 cycle, in progress: invoices issued by the real `invoices_issue` service
  (timed), a third paid, reminders, submissions pending, approved and rejected;
- about 10 CEC entries per holder per year for 2025 and 2026 (AASC classes with their
  attendance, Expo, committee and volunteering entries with their verified reporting
  form, other providers), some withdrawn; reporting forms in every state; waivers,
  emeritus holders and contact confirmations;
- accounts to benchmark with (printed at the end): a holder with a full ledger, an NAAEI
  reviewer and a staff superuser, the staff ones with a TOTP authenticator.

Rows are written with COPY in one transaction, ids taken in blocks from the tables'
sequences; every seeded user and holder has an @scale.test address and every seeded
holder a member number starting "SC". A rerun first deletes what an earlier run seeded
(and what hangs off it, following the foreign keys), so it never duplicates; `--clear`
only deletes. All seeded users share one password hash, computed once.
"""

import datetime
import random
import secrets
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg import sql

from cecs.classes.services import AASC
from cecs.ledger.selectors import CecStatus, count_entries
from cecs.models import (
    CATEGORY_OF_SOURCE,
    AascClass,
    Attendance,
    CecEntry,
    ReportingForm,
    Source,
    Submission,
    SubmissionEntry,
)
from credentials.models import (
    CredentialType,
    EmeritusStatus,
    HeldCredential,
    InvoiceLine,
    ReminderLog,
    ReminderStage,
    RenewalInvoice,
    Waiver,
)
from credentials.selectors import cecs_owed_from, requirements_by_type
from credentials.services import cycle_get_or_create, invoice_number, invoices_issue
from holders.models import ContactConfirmation, HolderProfile, User
from holders.roles import AASC_STAFF, HOLDERS, NAAEI_REVIEWERS
from payments.models import CheckoutAttempt, Payment

DOMAIN = "scale.test"
MEMBER_PREFIX = "SC"
CLASS_MARK = "[scale]"  # ends the instructor name of every seeded AASC class
BENCH_HOLDER = f"bench-holder@{DOMAIN}"
BENCH_REVIEWER = f"bench-reviewer@{DOMAIN}"
BENCH_ADMIN = f"bench-admin@{DOMAIN}"
STAFF_COUNT = 5
REVIEWER_COUNT = 3
CHUNK = 10_000

DENVER = ZoneInfo("America/Denver")
PAST_CYCLE, CURRENT_CYCLE = 2026, 2027
LAST_EARNED = datetime.date(2026, 11, 15)  # the current earning year, so far
ISSUED_2026 = datetime.datetime(2025, 11, 2, 8, 0, tzinfo=DENVER)
ISSUED_2027 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=DENVER)

TYPE_WEIGHTS = {"CAM": 30, "NALP": 30, "CAPS": 10, "CAS": 10, "CAMT": 12, "AIME": 8}
SOURCE_WEIGHTS = {
    Source.AASC_CLASS: 40,
    Source.EXPO_CLASS: 10,
    Source.COMMITTEE: 7,
    Source.VOLUNTEERING: 5,
    Source.OTHER_PROVIDER: 38,
}
FORM_SOURCES = {Source.EXPO_CLASS, Source.COMMITTEE, Source.VOLUNTEERING}
HOURS_BY_SOURCE = {
    Source.EXPO_CLASS: ["1.00", "1.50", "2.00"],
    Source.COMMITTEE: ["1.00", "2.00", "3.00"],
    Source.VOLUNTEERING: ["1.00", "2.00", "4.00"],
    Source.OTHER_PROVIDER: ["1.00", "1.50", "2.00", "3.00"],
}
CLASS_HOURS = ["1.50", "2.00", "3.00", "3.50", "4.00", "6.00"]


# Holders 1 to 10 are set up so that every state is seeded even for a small N.
SHOWCASE = {
    1: {"pending_forms": [("submitted", datetime.date(2026, 10, 1), Decimal(2), "expo_class")]},
    2: {"submission_2027": "pending"},
    3: {"submission_2027": "approved", "paid_2027_on": datetime.date(2026, 11, 10)},
    4: {"submission_2027": "rejected+pending", "rejected_first_2026": True},
    5: {"submission_2027": "rejected", "lapsed": False},
    6: {"lapsed": True, "past_invoice_roll": 0.1},  # 2026 invoice left open
    7: {"lapsed": True, "past_invoice_roll": 0.8},  # void
    8: {"lapsed": True, "past_invoice_roll": 0.9},  # paid, then refunded
    9: {"waiver_2026": (True, False), "emeritus": True},
    10: {"waiver_2027": (True, True)},
}


def words(text):
    return text.split()


FIRST = words(
    "Avery Blake Casey Dana Elliot Frankie Gale Harper Indra Jordan Kai Logan Morgan Noor "
    "Oakley Parker Quinn Riley Sasha Taylor Uma Val Wren Yael Zion Alex Bailey Cameron Drew "
    "Emerson Finley Gray Hayden Jamie Kendall Lee Marley Nico Payton Reese Sage Skyler"
)
LAST = words(
    "Garcia Smith Johnson Martinez Brown Lopez Davis Hernandez Wilson Anderson Thomas Moore "
    "Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson "
    "Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker"
)
CITIES = [
    ("Colorado Springs", "809"),
    ("Pueblo", "810"),
    ("Fountain", "808"),
    ("Monument", "801"),
    ("Canon City", "812"),
    ("Woodland Park", "808"),
]
EMPLOYERS = [
    "Front Range Apartments",
    "Pikes Peak Living",
    "Garden of the Gods Residential",
    "Cheyenne Mountain Properties",
    "Arkansas Valley Communities",
    "Summit Property Management",
]
JOBS = ["Leasing Professional", "Community Manager", "Regional Supervisor", "Maintenance Tech"]
TOPICS = [
    "Fair Housing Essentials",
    "Resident Retention",
    "Leasing in a Soft Market",
    "Budgeting for Managers",
    "Maintenance Safety",
    "Screening and the Law",
    "Conflict Resolution",
    "Marketing Your Community",
    "Risk Management",
    "Customer Service Excellence",
]
INSTRUCTORS = ["Pat Rivera", "Sam Okafor", "Lee Brandt", "Jo Castillo", "Robin Hale"]
PROVIDERS = ["NAA Education Institute", "Grace Hill", "Local college", "Apartment Academy"]
BRANDS = ["visa", "mastercard", "amex", "discover"]


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def local(day, hour=10, minute=0, key=None):
    """A moment on `day` in Colorado; with `key`, spread over the following eight hours
    (to the microsecond, as real clicks are: no two holders submit at the same instant)."""
    moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=DENVER)
    if key is not None:
        moment += datetime.timedelta(
            seconds=(key * 7919) % 28_800, microseconds=(key * 104_729) % 1_000_000
        )
    return moment


def day_in(rng, start, end):
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


# --- Writing rows with COPY ------------------------------------------------------


class Table:
    """COPY rows into a model's table: the caller gives `given` fields in order, every
    other concrete field gets its default (computed once, or per row when callable), so
    fields added later by migrations need no change here unless they have no default."""

    def __init__(self, model, given, now):
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
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
            _table(model), sql.SQL(", ").join(map(sql.Identifier, columns))
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


# --- Deleting what an earlier run seeded ---------------------------------------------


def seeded_roots():
    """(SQL, params) selecting the ids of the rows this command owns, per model."""
    return {
        User: (
            sql.SQL("SELECT id FROM {} WHERE email LIKE %s").format(_table(User)),
            [f"%@{DOMAIN}"],
        ),
        HolderProfile: (
            sql.SQL("SELECT id FROM {} WHERE email LIKE %s AND member_number LIKE %s").format(
                _table(HolderProfile)
            ),
            [f"%@{DOMAIN}", f"{MEMBER_PREFIX}%"],
        ),
        AascClass: (
            sql.SQL("SELECT id FROM {} WHERE instructor LIKE %s").format(_table(AascClass)),
            [f"%{CLASS_MARK}"],
        ),
    }


def _table(model):
    return sql.Identifier(model._meta.db_table)


def _constrained_fks(model):
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey)  # and OneToOneField
        and f.db_constraint
        and f.related_model is not model
    ]


def deletion_plan():
    """Follow the database foreign keys from the seeded roots. Returns the models to
    delete from in parent-first order, each with its foreign keys to those models, and
    the SET NULL foreign keys to null instead (history_user and the like)."""
    referencing = {}  # parent → [(child model, fk field)]
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            for f in _constrained_fks(model):
                referencing.setdefault(f.related_model, []).append((model, f))
    reached, nulls, queue = set(seeded_roots()), [], list(seeded_roots())
    while queue:
        parent = queue.pop()
        for child, fk in referencing.get(parent, []):
            if fk.remote_field.on_delete is models.SET_NULL:
                nulls.append((child, fk, parent))
            elif child not in reached:
                reached.add(child)
                queue.append(child)
    order, placed = [], set()
    while len(order) < len(reached):
        ready = sorted(
            (
                m
                for m in reached - placed
                if all(
                    f.related_model in placed or f.related_model not in reached
                    for f in _constrained_fks(m)
                )
            ),
            key=lambda m: m._meta.db_table,
        )
        if not ready:
            raise CommandError("Cannot order the seeded tables for deletion (a cycle).")
        order += ready
        placed.update(ready)
    parents = {m: [f for f in _constrained_fks(m) if f.related_model in reached] for m in order}
    return order, parents, nulls


def truncatable(cursor, order, temp):
    """The tables whose every row is to be deleted and that no other table references."""
    whole = []
    for model in order:
        cursor.execute(
            sql.SQL("SELECT (SELECT count(*) FROM {}) = (SELECT count(*) FROM {})").format(
                _table(model), temp[model]
            )
        )
        if cursor.fetchone()[0]:
            whole.append(model)
    referenced_by = {}
    for model in apps.get_models(include_auto_created=True):
        for f in _constrained_fks(model):
            referenced_by.setdefault(f.related_model, set()).add(model)
    chosen = set(whole)
    changed = True
    while changed:
        changed = False
        for model in list(chosen):
            if referenced_by.get(model, set()) - chosen:
                chosen.discard(model)
                changed = True
    return [m for m in order if m in chosen]


def clear_seeded(cursor, write):
    """Delete the seeded rows and every row that references them. Returns rows deleted."""
    order, parents, nulls = deletion_plan()
    roots = seeded_roots()
    temp = {}
    for model in order:
        temp[model] = sql.Identifier(f"seed_del_{model._meta.db_table}"[:63])
        cursor.execute(
            sql.SQL("CREATE TEMP TABLE {} (id bigint PRIMARY KEY) ON COMMIT DROP").format(
                temp[model]
            )
        )
        sources, params = [], []
        if model in roots:
            sources.append(roots[model][0])
            params += roots[model][1]
        for fk in parents[model]:
            sources.append(
                sql.SQL("SELECT {} FROM {} WHERE {} IN (SELECT id FROM {})").format(
                    sql.Identifier(model._meta.pk.column),
                    _table(model),
                    sql.Identifier(fk.column),
                    temp[fk.related_model],
                )
            )
        cursor.execute(
            sql.SQL("INSERT INTO {} {} ON CONFLICT DO NOTHING").format(
                temp[model], sql.SQL(" UNION ALL ").join(sources)
            ),
            params,
        )
        cursor.execute(sql.SQL("ANALYZE {}").format(temp[model]))
    for child, fk, parent in nulls:
        cursor.execute(
            sql.SQL("UPDATE {} SET {} = NULL WHERE {} IN (SELECT id FROM {})").format(
                _table(child), sql.Identifier(fk.column), sql.Identifier(fk.column), temp[parent]
            )
        )
    total, truncated = 0, truncatable(cursor, order, temp)
    if truncated:  # every row of these tables is to go: far faster than DELETE
        counts = {}
        for model in truncated:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(temp[model]))
            counts[model] = cursor.fetchone()[0]
        cursor.execute(
            sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(_table(m) for m in truncated))
        )
        for model, count in counts.items():
            if count:
                write(f"  emptied {count:>9,} {model._meta.db_table}")
            total += count
    for model in reversed(order):
        if model in truncated:
            continue
        cursor.execute(
            sql.SQL("DELETE FROM {} WHERE {} IN (SELECT id FROM {})").format(
                _table(model), sql.Identifier(model._meta.pk.column), temp[model]
            )
        )
        if cursor.rowcount:
            write(f"  deleted {cursor.rowcount:>9,} {model._meta.db_table}")
        total += cursor.rowcount
    for name in temp.values():
        cursor.execute(sql.SQL("DROP TABLE {}").format(name))
    return total


# --- What each holder looks like --------------------------------------------------------


@dataclass(slots=True)
class EntrySpec:
    year: int
    earned_on: datetime.date
    hours: Decimal
    source: str
    class_index: int | None = None
    withdrawn: bool = False
    topic: str = ""

    # What count_entries reads of a ledger line.
    @property
    def status(self):
        return CecEntry.Status.WITHDRAWN if self.withdrawn else CecEntry.Status.COUNTED

    @property
    def category(self):
        return CATEGORY_OF_SOURCE[self.source]

    @property
    def correction_note(self):
        return ""


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
        renewing = any(self.types[code].renews for code in types)
        plan = HolderPlan(
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
            lapsed=renewing and not bench and rng.random() < 0.03,
            emeritus=not bench and rng.random() < 0.005,
            waiver_2026=None,
            waiver_2027=None,
        )
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
            roll = 0.0 if bench else rng.random()
            statuses = [ReportingForm.Status.DRAFT] if bench else []
            statuses += [ReportingForm.Status.RETURNED] if bench or roll < 0.03 else []
            if 0.03 <= roll < 0.10:
                statuses.append(ReportingForm.Status.SUBMITTED)
            if 0.10 <= roll < 0.15:
                statuses.append(ReportingForm.Status.DRAFT)
            for status in statuses:
                source = rng.choice(sorted(FORM_SOURCES))
                day = day_in(rng, datetime.date(2026, 9, 1), LAST_EARNED)
                plan.pending_forms.append(
                    (status, day, Decimal(rng.choice(HOURS_BY_SOURCE[source])), source)
                )
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
        if showcase is not None:  # a few holders make sure every state is there, whatever N
            plan.has_account = True
            for name, value in showcase.items():
                setattr(plan, name, value)
        if renewing and not plan.lapsed and plan.has_account:
            # Who renewed in 2026 had the CECs; who submits for 2027 has them too.
            self._top_up(plan, PAST_CYCLE)
            if plan.submission_2027:
                self._top_up(plan, CURRENT_CYCLE)
        return plan

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


def is_met(counted, owed, minimum):
    return counted.total >= owed and counted.in_network >= minimum


# --- The command ---------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Seed a realistic large data set for benchmarks (PostgreSQL only): N holders with "
        "credentials, two renewal cycles, ~10 CEC entries per holder per year, reporting "
        "forms, submissions and payments. A rerun replaces the previous seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--holders", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
        parser.add_argument(
            "--password",
            help="Password of every seeded account (default: a random one, printed).",
        )
        parser.add_argument(
            "--clear", action="store_true", help="Only delete a previous seed, then stop."
        )
        parser.add_argument(
            "--allow-other-data",
            action="store_true",
            help="Seed even though the database holds holders this command did not create.",
        )
        parser.add_argument("--no-vacuum", action="store_true", help="Skip VACUUM ANALYZE.")

    def say(self, text):
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args, holders, seed, password, clear, allow_other_data, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"seed_scale needs PostgreSQL (it writes with COPY); this database is "
                f"{connection.vendor}. Point DATABASE_URL at a PostgreSQL database, e.g. "
                "postgres://postgres@127.0.0.1:5432/renewal_bench"
            )
        if holders < 1 and not clear:
            raise CommandError("--holders must be at least 1.")
        started = time.monotonic()
        others = HolderProfile.objects.exclude(
            email__endswith=f"@{DOMAIN}", member_number__startswith=MEMBER_PREFIX
        ).count()
        if others and not allow_other_data and not clear:
            raise CommandError(
                f"This database holds {others} holder(s) that seed_scale did not create. "
                "Seed a separate database (make bench uses renewal_bench), or pass "
                "--allow-other-data."
            )
        self.timings = {}
        with transaction.atomic(), connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own cursor, for COPY
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            tick = time.monotonic()
            self.say("Deleting any previous seed…")
            deleted = clear_seeded(cursor, self.say)
            self.timings["clear_s"] = time.monotonic() - tick
            self.say(f"  {deleted:,} row(s) deleted in {self.timings['clear_s']:.1f} s.")
            if clear:
                return
            password = password or secrets.token_urlsafe(12)
            self.seed_all(cursor, holders, seed, password)
        if not options["no_vacuum"]:
            tick = time.monotonic()
            self.say("VACUUM ANALYZE of the seeded tables…")
            with connection.cursor() as cursor:
                for table in sorted({t.model._meta.db_table for t in self.tables.values()}):
                    cursor.execute(f'VACUUM ANALYZE "{table}"')
            self.timings["vacuum_s"] = time.monotonic() - tick
        self.timings["total_s"] = time.monotonic() - started
        self.summary(holders, password)

    # -- Building -----------------------------------------------------------------------

    def seed_all(self, cursor, n, seed, password):
        now = timezone.now()
        self.now = now
        self.password_hash = make_password(password)  # once, for every seeded account
        types = {t.code: t for t in CredentialType.objects.all()}
        missing = set(TYPE_WEIGHTS) - set(types)
        if missing:
            raise CommandError(f"Credential types {sorted(missing)} are missing: run migrate.")
        self.types = types
        self.cycles = {year: cycle_get_or_create(year=year) for year in (PAST_CYCLE, CURRENT_CYCLE)}
        self.requirements = {
            year: requirements_by_type(year=year) for year in (PAST_CYCLE, CURRENT_CYCLE)
        }
        self.stages = {s.code: s for s in ReminderStage.objects.all()}
        self.groups = {g.name: g for g in Group.objects.filter(name__in=[HOLDERS])}
        self.tables = self.make_tables(now)
        tick = time.monotonic()
        self.accounts = self.create_staff_accounts()
        classes = self.write_classes(cursor, n, seed)
        planner = Planner(seed, classes, types, self.requirements)
        # Per seeded holder (by index): its ids, and the id of its first CEC entry.
        self.holder_ids, self.user_ids, self.entry_start = [0] * n, [None] * n, [0] * n
        self.say(f"Seeding {n:,} holders (phase 1 of 2: people, ledger, the 2026 cycle)…")
        for start in range(0, n, CHUNK):
            plans = [planner.plan(i) for i in range(start, min(n, start + CHUNK))]
            self.write_phase_one(cursor, plans)
            self.say(f"  {start + len(plans):>7,}/{n:,} holders  ({self.rows_so_far()})")
        self.timings["phase1_s"] = time.monotonic() - tick

        tick = time.monotonic()
        self.say("Issuing the 2027 invoices with credentials.services.invoices_issue…")
        result = invoices_issue(cycle=self.cycles[CURRENT_CYCLE], now=ISSUED_2027)
        self.timings["invoices_issue_s"] = time.monotonic() - tick
        self.invoices_issued = result.created
        self.say(
            f"  {result.created:,} invoice(s) issued in {self.timings['invoices_issue_s']:.1f} s."
        )

        tick = time.monotonic()
        self.say("Phase 2 of 2: the 2027 cycle in progress (payments, submissions)…")
        cursor.execute(
            "CREATE TEMP TABLE seed_invoice_update (id bigint PRIMARY KEY, status text, "
            "paid_at timestamptz, cecs_approved_at timestamptz, completed_at timestamptz) "
            "ON COMMIT DROP"
        )
        self.completed_2027 = []
        for start in range(0, n, CHUNK):
            plans = [planner.plan(i) for i in range(start, min(n, start + CHUNK))]
            self.write_phase_two(cursor, plans)
            self.say(f"  {start + len(plans):>7,}/{n:,} holders")
        self.finish_phase_two(cursor)
        cursor.execute("DROP TABLE seed_invoice_update")
        self.timings["phase2_s"] = time.monotonic() - tick

    def make_tables(self, now):
        spec = {
            "user": (User, "id password email date_joined"),
            "email": (_email_model(), "id user_id email verified primary"),
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
                "id invoice_id stage_id status claim_token claimed_at sent_at sent_to "
                "attempts last_error",
            ),
            "form": (
                ReportingForm,
                "id holder_id activity_type title organisation date_from hours description "
                "status submitted_at signer_name signed_on verified_by_id verified_at "
                "returned_reason returned_by_id returned_at",
            ),
            "attendance": (
                Attendance,
                "id aasc_class_id holder_id recorded_by_id recorded_at withdrawn_at "
                "withdrawn_reason",
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
            "submission_entry": (SubmissionEntry, "id submission_id entry_id counted_hours"),
        }
        return {key: Table(model, names.split(), now) for key, (model, names) in spec.items()}

    def rows_so_far(self):
        return f"{self.tables['entry'].count:,} CEC entries"

    def create_staff_accounts(self):
        """The few named accounts, with the ORM: staff who verify and decide, and the
        bench accounts. Staff get a TOTP authenticator when the MFA app is installed."""
        staff_group = Group.objects.get(name=AASC_STAFF)
        reviewer_group = Group.objects.get(name=NAAEI_REVIEWERS)
        email_model = _email_model()
        accounts = {"staff": [], "reviewers": [], "totp": {}}

        def account(email, group=None, **flags):
            user = User.objects.create(
                email=email, password=self.password_hash, is_staff=True, **flags
            )
            if group is not None:
                user.groups.add(group)
            email_model.objects.create(user=user, email=email, verified=True, primary=True)
            if apps.is_installed("allauth.mfa"):
                from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

                secret = generate_totp_secret()
                TOTP.activate(user, secret)
                accounts["totp"][email] = secret
            return user

        for k in range(1, STAFF_COUNT + 1):
            accounts["staff"].append(account(f"staff{k:02d}@{DOMAIN}", staff_group))
        for k in range(1, REVIEWER_COUNT + 1):
            accounts["reviewers"].append(account(f"reviewer{k:02d}@{DOMAIN}", reviewer_group))
        accounts["bench_reviewer"] = account(BENCH_REVIEWER, reviewer_group)
        accounts["bench_admin"] = account(BENCH_ADMIN, staff_group, is_superuser=True)
        accounts["reviewers"].append(accounts["bench_reviewer"])
        return accounts

    def write_classes(self, cursor, n, seed):
        rng = random.Random(seed)  # noqa: S311 - test data
        per_year = max(12, min(250, n // 200))
        classes, rows = {}, []
        self.classes = classes
        first = reserve_ids(cursor, AascClass, per_year * 2)
        self.class_ids = {}
        for offset, year in enumerate((2025, 2026)):
            last = LAST_EARNED if year == 2026 else datetime.date(year, 12, 31)
            pool = []
            for k in range(per_year):
                held_on = day_in(rng, datetime.date(year, 1, 10), last)
                hours = Decimal(rng.choice(CLASS_HOURS))
                title = f"{rng.choice(TOPICS)} ({held_on:%b %Y}, session {k + 1})"
                pool.append((held_on, hours, title))
                class_id = first + offset * per_year + k
                self.class_ids[(year, k)] = class_id
                rows.append(
                    (class_id, title, held_on, f"{rng.choice(INSTRUCTORS)} {CLASS_MARK}", hours)
                )
            classes[year] = pool
        self.tables["class"].write(cursor, rows)
        return classes

    # -- Phase one: people, the ledger, the finished 2026 cycle ---------------------------

    def write_phase_one(self, cursor, plans):
        t = self.tables
        staff = self.accounts["staff"]
        holders_group = self.groups[HOLDERS].pk
        n_accounts = sum(p.has_account for p in plans)
        user0 = reserve_ids(cursor, User, n_accounts)
        holder0 = reserve_ids(cursor, HolderProfile, len(plans))
        users, emails, memberships, holders = [], [], [], []
        user_ids, holder_ids = self.user_ids, self.holder_ids
        email0 = reserve_ids(cursor, _email_model(), n_accounts)
        group0 = reserve_ids(cursor, User.groups.through, n_accounts)
        k = 0
        for pos, p in enumerate(plans):
            holder_id = holder0 + pos
            holder_ids[p.index] = holder_id
            user_id = None
            if p.has_account:
                user_id = user0 + k
                users.append((user_id, self.password_hash, p.email, ISSUED_2026))
                emails.append((email0 + k, user_id, p.email, True, True))
                memberships.append((group0 + k, user_id, holders_group))
                k += 1
            user_ids[p.index] = user_id
            holders.append(
                (
                    holder_id,
                    user_id,
                    p.first_name,
                    p.last_name,
                    p.email,
                    p.phone,
                    f"{100 + p.index % 9800} N Cascade Ave",
                    p.city,
                    "CO",
                    p.zip_code,
                    p.employer,
                    p.job_title,
                    f"{MEMBER_PREFIX}{p.index:07d}",
                )
            )
        t["user"].write(cursor, users)
        t["email"].write(cursor, emails)
        t["user_group"].write(cursor, memberships)
        t["holder"].write(cursor, holders)

        # Credentials, waivers, emeritus, contact confirmations.
        credentials, renewing = [], {}
        first = reserve_ids(cursor, HeldCredential, sum(len(p.types) for p in plans))
        for p in plans:
            for code in p.types:
                ctype = self.types[code]
                if not ctype.renews:
                    expires, status = None, HeldCredential.Status.ACTIVE
                elif p.lapsed:
                    expires, status = datetime.date(2025, 12, 31), HeldCredential.Status.LAPSED
                else:
                    expires, status = datetime.date(2026, 12, 31), HeldCredential.Status.DUE
                earned = datetime.date(2008 + p.index % 16, 1 + p.index % 12, 1 + p.index % 28)
                credentials.append(
                    (
                        first,
                        holder_ids[p.index],
                        ctype.pk,
                        f"{code}-{MEMBER_PREFIX}{p.index:07d}",
                        earned,
                        expires,
                        status,
                    )
                )
                if ctype.renews:
                    renewing.setdefault(p.index, []).append((first, ctype))
                first += 1
        t["credential"].write(cursor, credentials)

        waivers = [
            (year, p, w)
            for p in plans
            for year, w in ((PAST_CYCLE, p.waiver_2026), (CURRENT_CYCLE, p.waiver_2027))
            if w is not None
        ]
        first = reserve_ids(cursor, Waiver, len(waivers))
        t["waiver"].write(
            cursor,
            (
                (
                    first + k,
                    holder_ids[p.index],
                    self.cycles[year].pk,
                    fee,
                    cecs,
                    "Military deployment" if cecs else "Hardship",
                    staff[p.index % len(staff)].pk,
                    local(datetime.date(year - 1, 10, 20)),
                )
                for k, (year, p, (fee, cecs)) in enumerate(waivers)
            ),
        )
        emeriti = [p for p in plans if p.emeritus]
        first = reserve_ids(cursor, EmeritusStatus, len(emeriti))
        t["emeritus"].write(
            cursor,
            (
                (
                    first + k,
                    holder_ids[p.index],
                    2026,
                    "Retired from the industry",
                    staff[0].pk,
                    local(datetime.date(2025, 6, 1)),
                )
                for k, p in enumerate(emeriti)
            ),
        )
        confirmations = [
            (year, p)
            for p in plans
            if p.has_account
            for year, yes in ((PAST_CYCLE, p.confirmed_2026), (CURRENT_CYCLE, p.confirmed_2027))
            if yes
        ]
        first = reserve_ids(cursor, ContactConfirmation, len(confirmations))
        t["confirmation"].write(
            cursor,
            (
                (
                    first + k,
                    holder_ids[p.index],
                    year,
                    local(datetime.date(year - 1, 11, 5 + p.index % 20), 8, key=p.index),
                    user_ids[p.index],
                )
                for k, (year, p) in enumerate(confirmations)
            ),
        )

        self.write_past_cycle(cursor, plans, renewing)

    def write_past_cycle(self, cursor, plans, renewing):
        """The 2026 invoices, payments, reminders, ledger and submissions."""
        t = self.tables
        cycle = self.cycles[PAST_CYCLE]
        invoiced = [p for p in plans if p.index in renewing]
        invoice0 = reserve_ids(cursor, RenewalInvoice, len(invoiced))
        invoices, lines, payments, checkouts, reminders = [], [], [], [], []
        submission_plans = []
        for k, p in enumerate(invoiced):
            invoice_id = invoice0 + k
            credentials = renewing[p.index]
            owed = cecs_owed_from(
                self.requirements[PAST_CYCLE].get(ctype.pk) for _, ctype in credentials
            )
            fees = sum(ctype.annual_fee_cents for _, ctype in credentials)
            fee_waived = bool(p.waiver_2026 and p.waiver_2026[0])
            cecs_waived = p.emeritus or bool(p.waiver_2026 and p.waiver_2026[1])
            owes = not cecs_waived and owed.total > 0
            if p.lapsed:
                status = (
                    RenewalInvoice.Status.OPEN
                    if p.past_invoice_roll < 0.7
                    else RenewalInvoice.Status.VOID
                    if p.past_invoice_roll < 0.85
                    else RenewalInvoice.Status.REFUNDED
                )
            else:
                status = RenewalInvoice.Status.WAIVED if fee_waived else RenewalInvoice.Status.PAID
            paid_at = local(p.paid_2026_on, 8, key=p.index)
            approved_at = None
            if owes and not p.lapsed and p.has_account:
                counted = count_cecs(p.entries, 2025, owed.participation_cap)
                submitted = local(p.paid_2026_on, 12, key=p.index) + datetime.timedelta(days=2)
                approved_at = submitted + datetime.timedelta(days=5)
                submission_plans.append((p, invoice_id, owed, counted, submitted, approved_at))
            settled = status in (RenewalInvoice.Status.PAID, RenewalInvoice.Status.WAIVED)
            completed = None
            if settled and (approved_at is not None or not owes):
                completed = max(paid_at, approved_at) if approved_at else paid_at
            invoices.append(
                (
                    invoice_id,
                    invoice_number(year=PAST_CYCLE, holder_id=self.holder_ids[p.index]),
                    self.holder_ids[p.index],
                    cycle.pk,
                    status,
                    fees,
                    fee_waived,
                    owed.total,
                    owed.in_network_minimum,
                    owed.participation_cap,
                    cecs_waived,
                    cycle.cec_window_start,
                    cycle.cec_window_end,
                    cycle.due_on,
                    cycle.grace_ends_on,
                    ISSUED_2026,
                    paid_at if status in ("paid", "refunded") else None,
                    approved_at,
                    completed,
                )
            )
            for credential_id, ctype in credentials:
                lines.append(self._line(invoice_id, credential_id, ctype, p))
            if status in (RenewalInvoice.Status.PAID, RenewalInvoice.Status.REFUNDED):
                payments.append(self._payment(invoice_id, fees, paid_at, status, p))
                checkouts.append(self._checkout(invoice_id, fees, paid_at, "completed"))
            for stage, day in (("issued", ISSUED_2026), ("due-30", local(cycle.due_on, 8))):
                if stage == "due-30":
                    day -= datetime.timedelta(days=30)
                reminders.append(self._reminder(invoice_id, stage, day, p, "sent"))
        t["invoice"].write(cursor, invoices)
        self._write_with_ids(cursor, "line", lines)
        self._write_with_ids(cursor, "payment", payments)
        self._write_with_ids(cursor, "checkout", checkouts)
        self._write_with_ids(cursor, "reminder", reminders)
        self.write_ledger(cursor, plans)
        self.write_submissions(cursor, PAST_CYCLE, self._past_submissions(submission_plans))

    def _past_submissions(self, submission_plans):
        reviewers = self.accounts["reviewers"]
        for p, invoice_id, owed, counted, submitted, approved_at in submission_plans:
            reviewer = reviewers[p.index % len(reviewers)].pk
            if p.rejected_first_2026:
                rejected_at = submitted - datetime.timedelta(days=3)
                yield (
                    p,
                    invoice_id,
                    owed.total,
                    owed.in_network_minimum,
                    counted,
                    Submission.Status.REJECTED,
                    rejected_at - datetime.timedelta(days=4),
                    rejected_at,
                    reviewer,
                )
            yield (
                p,
                invoice_id,
                owed.total,
                owed.in_network_minimum,
                counted,
                Submission.Status.APPROVED,
                submitted,
                approved_at,
                reviewer,
            )

    def write_ledger(self, cursor, plans):
        """Reporting forms (verified ones back their entries), attendance and CEC entries."""
        t = self.tables
        staff = self.accounts["staff"]
        n_forms = sum(
            sum(e.source in FORM_SOURCES for e in p.entries) + len(p.pending_forms)
            for p in plans
            if p.has_account
        )
        n_attendance = sum(e.source == Source.AASC_CLASS for p in plans for e in p.entries)
        n_entries = sum(len(p.entries) for p in plans)
        form_id = reserve_ids(cursor, ReportingForm, n_forms)
        attendance_id = reserve_ids(cursor, Attendance, n_attendance)
        entry_id = reserve_ids(cursor, CecEntry, n_entries)
        forms, attendances, entries = [], [], []
        for p in plans:
            self.entry_start[p.index] = entry_id
            holder_id = self.holder_ids[p.index]
            verifier = staff[p.index % len(staff)].pk
            for e in p.entries:
                source = e.source
                if source == Source.OTHER_PROVIDER or (
                    source in FORM_SOURCES and not p.has_account
                ):
                    source = Source.OTHER_PROVIDER
                attendance = form = None
                note = ""
                status = CecEntry.Status.WITHDRAWN if e.withdrawn else CecEntry.Status.COUNTED
                if source == Source.AASC_CLASS:
                    title = self.classes[e.year][e.class_index][2]
                    provider = AASC
                    recorded = local(e.earned_on, 17)
                    withdrawn_at = recorded + datetime.timedelta(days=1) if e.withdrawn else None
                    reason = "Recorded by mistake: not on the sign-in sheet" if e.withdrawn else ""
                    note = f"Attendance removed: {reason}" if e.withdrawn else ""
                    attendance = attendance_id
                    attendances.append(
                        (
                            attendance_id,
                            self.class_ids[(e.year, e.class_index)],
                            holder_id,
                            verifier,
                            recorded,
                            withdrawn_at,
                            reason,
                        )
                    )
                    attendance_id += 1
                elif source in FORM_SOURCES:
                    title, provider = _form_title(source, e.topic, e.year)
                    submitted = local(e.earned_on, 12, key=form_id) + datetime.timedelta(days=2)
                    verified = submitted + datetime.timedelta(days=3)
                    form = form_id
                    forms.append(
                        (
                            form_id,
                            holder_id,
                            source,
                            title,
                            provider,
                            e.earned_on,
                            e.hours,
                            f"{title}, {e.hours} hours net of breaks.",
                            ReportingForm.Status.VERIFIED,
                            submitted,
                            "A. Signer",
                            verified.date(),
                            verifier,
                            verified,
                            "",
                            None,
                            None,
                        )
                    )
                    form_id += 1
                else:
                    title, provider = f"{e.topic} (online)", PROVIDERS[p.index % len(PROVIDERS)]
                entries.append(
                    (
                        entry_id,
                        holder_id,
                        title,
                        provider,
                        e.earned_on,
                        e.hours,
                        source,
                        CATEGORY_OF_SOURCE[source],
                        status,
                        attendance,
                        form,
                        f"Z{entry_id:010X}",
                        note,
                    )
                )
                entry_id += 1
            if not p.has_account:
                continue
            for status, day, hours, source in p.pending_forms:
                title, provider = _form_title(source, "Pending report", 2026)
                submitted = (
                    None if status == ReportingForm.Status.DRAFT else local(day, 12, key=form_id)
                )
                returned = status == ReportingForm.Status.RETURNED
                forms.append(
                    (
                        form_id,
                        holder_id,
                        source,
                        title,
                        provider,
                        day,
                        hours,
                        f"{title}, {hours} hours net of breaks.",
                        status,
                        submitted,
                        "",
                        None,
                        None,
                        None,
                        "Attach the sign-in sheet, please." if returned else "",
                        verifier if returned else None,
                        submitted + datetime.timedelta(days=2) if returned else None,
                    )
                )
                form_id += 1
        t["form"].write(cursor, forms)
        t["attendance"].write(cursor, attendances)
        t["entry"].write(cursor, entries)

    def write_submissions(self, cursor, year, rows):
        """rows: (plan, invoice id, owed, minimum, Counted, status, submitted, decided,
        reviewer id)."""
        rows = list(rows)
        cycle = self.cycles[year]
        first = reserve_ids(cursor, Submission, len(rows))
        submissions, lines = [], []
        for k, (
            p,
            invoice_id,
            owed,
            minimum,
            counted,
            status,
            submitted,
            decided,
            who,
        ) in enumerate(rows):
            submission_id = first + k
            rejected = status == Submission.Status.REJECTED
            submissions.append(
                (
                    submission_id,
                    self.holder_ids[p.index],
                    cycle.pk,
                    invoice_id,
                    status,
                    owed,
                    minimum,
                    counted.total,
                    counted.in_network,
                    counted.participation,
                    submitted,
                    self.user_ids[p.index],
                    decided if status != Submission.Status.PENDING else None,
                    who if status != Submission.Status.PENDING else None,
                    "The Expo certificate does not show the hours." if rejected else "",
                )
            )
            start = self.entry_start[p.index]
            lines += [(submission_id, start + pos, hours) for pos, hours in counted.lines]
        self.tables["submission"].write(cursor, submissions)
        self._write_with_ids(cursor, "submission_entry", lines)

    # -- Phase two: the 2027 cycle in progress -------------------------------------------

    def write_phase_two(self, cursor, plans):
        cycle = self.cycles[CURRENT_CYCLE]
        by_holder = {self.holder_ids[p.index]: p for p in plans}
        issued = RenewalInvoice.objects.filter(cycle=cycle, holder_id__in=by_holder).values_list(
            "holder_id",
            "id",
            "status",
            "fees_cents",
            "cecs_owed",
            "in_network_minimum",
            "participation_cap",
            "cecs_waived",
        )
        updates, payments, checkouts, reminders, submissions = [], [], [], [], []
        reviewers = self.accounts["reviewers"]
        for holder_id, invoice_id, status, fees, owed, minimum, cap, waived in issued:
            p = by_holder[holder_id]
            owes = not waived and owed > 0
            paid_at = None
            if status == RenewalInvoice.Status.OPEN and p.paid_2027_on and fees:
                paid_at = local(p.paid_2027_on, 8, key=p.index)
                status = RenewalInvoice.Status.PAID
                payments.append(self._payment(invoice_id, fees, paid_at, status, p))
                checkouts.append(self._checkout(invoice_id, fees, paid_at, "completed"))
            elif status == RenewalInvoice.Status.OPEN and p.open_checkout_2027 and fees:
                checkouts.append(self._checkout(invoice_id, fees, local(LAST_EARNED, 20), "open"))
            approved_at = None
            if owes and p.has_account and p.submission_2027:
                counted = count_cecs(p.entries, 2026, cap)
                if is_met(counted, owed, minimum):
                    # After the last CEC counted, before today (November 26, 2026).
                    day = LAST_EARNED + datetime.timedelta(days=1 + p.index % 8)
                    last = local(day, 8, key=p.index)
                    reviewer = reviewers[p.index % len(reviewers)].pk
                    kinds = p.submission_2027.split("+")
                    for k, kind in enumerate(kinds):
                        when = last - datetime.timedelta(days=4 * (len(kinds) - 1 - k))
                        decided = when + datetime.timedelta(days=2)
                        submissions.append(
                            (p, invoice_id, owed, minimum, counted, kind, when, decided, reviewer)
                        )
                    if kinds[-1] == Submission.Status.APPROVED:
                        approved_at = decided
            settled = status in (RenewalInvoice.Status.PAID, RenewalInvoice.Status.WAIVED)
            completed = None
            if settled and (approved_at is not None or not owes):
                completed = max(filter(None, [paid_at, approved_at, ISSUED_2027]))
                self.completed_2027.append(invoice_id)
            if paid_at or approved_at or completed:
                updates.append((invoice_id, status, paid_at, approved_at, completed))
            stage_status = "failed" if p.reminder_failed_2027 else "sent"
            reminders.append(self._reminder(invoice_id, "issued", ISSUED_2027, p, stage_status))
        with cursor.copy(
            "COPY seed_invoice_update (id, status, paid_at, cecs_approved_at, completed_at) "
            "FROM STDIN"
        ) as copy:
            for row in updates:
                copy.write_row(row)
        self._write_with_ids(cursor, "payment", payments)
        self._write_with_ids(cursor, "checkout", checkouts)
        self._write_with_ids(cursor, "reminder", reminders)
        self.write_submissions(cursor, CURRENT_CYCLE, submissions)

    def finish_phase_two(self, cursor):
        cursor.execute(
            sql.SQL(
                "UPDATE {} AS i SET status = u.status, paid_at = u.paid_at, "
                "cecs_approved_at = u.cecs_approved_at, completed_at = u.completed_at "
                "FROM seed_invoice_update AS u WHERE i.id = u.id"
            ).format(_table(RenewalInvoice))
        )
        # A completed renewal moves each renewed credential's expiry on a year.
        renewed = InvoiceLine.objects.filter(invoice_id__in=self.completed_2027)
        HeldCredential.objects.filter(pk__in=renewed.values("held_credential_id")).update(
            expires_on=datetime.date(2027, 12, 31), status=HeldCredential.Status.ACTIVE
        )

    # -- Row helpers ------------------------------------------------------------------------

    def _write_with_ids(self, cursor, key, rows):
        table = self.tables[key]
        first = reserve_ids(cursor, table.model, len(rows))
        table.write(cursor, ((first + k, *row) for k, row in enumerate(rows)))

    def _line(self, invoice_id, credential_id, ctype, p):
        number = f"{ctype.code}-{MEMBER_PREFIX}{p.index:07d}"
        description = f"{ctype.code} renewal: {ctype.name}, no. {number}"
        return (invoice_id, credential_id, description, ctype.annual_fee_cents)

    def _payment(self, invoice_id, amount, paid_at, status, p):
        refunded = status == RenewalInvoice.Status.REFUNDED
        return (
            invoice_id,
            Payment.Provider.STRIPE,
            Payment.Status.REFUNDED if refunded else Payment.Status.SUCCEEDED,
            amount,
            "usd",
            f"cs_scale_{invoice_id}",
            f"pi_scale_{invoice_id}",
            BRANDS[p.index % len(BRANDS)],
            f"{4242 + p.index % 5000:04d}",
            paid_at,
            amount if refunded else 0,
            paid_at + datetime.timedelta(days=20) if refunded else None,
            f"SC-R-{invoice_id}",
        )

    def _checkout(self, invoice_id, amount, at, status):
        session = f"cs_scale_{invoice_id}" if status == "completed" else f"cs_open_{invoice_id}"
        return (
            invoice_id,
            1,
            f"aasc-invoice-{invoice_id}-checkout-1",
            amount,
            "usd",
            session,
            f"https://checkout.stripe.com/c/pay/{session}",
            status,
            at - datetime.timedelta(minutes=3),
            at + datetime.timedelta(hours=23),
        )

    def _reminder(self, invoice_id, stage, at, p, status):
        failed = status == "failed"
        return (
            invoice_id,
            self.stages[stage].pk,
            status,
            SEED_TOKEN,
            at,
            None if failed else at + datetime.timedelta(minutes=1),
            "" if failed else p.email,
            5 if failed else 1,
            "SMTP 451: try again later" if failed else "",
        )

    # -- The end -----------------------------------------------------------------------------

    def summary(self, n, password):
        self.say("")
        self.say(self.style.SUCCESS(f"Seeded {n:,} holders in {self.timings['total_s']:.0f} s."))
        self.say("Rows now in the database:")
        for table in dict.fromkeys(t.model for t in self.tables.values()):
            self.say(f"  {table._meta.db_table:<32} {table.objects.count():>10,}")
        phases = ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in self.timings.items())
        self.say(f"Timings: {phases}.")
        self.say(
            f"invoices_issue for the {CURRENT_CYCLE} cycle: {self.invoices_issued:,} invoices "
            f"in {self.timings['invoices_issue_s']:.1f} s."
        )
        self.say("")
        self.say(f"Accounts (password for all seeded accounts: {password}):")
        self.say(f"  holder    {BENCH_HOLDER}")
        self.say(f"  reviewer  {BENCH_REVIEWER}")
        self.say(f"  superuser {BENCH_ADMIN}")
        for email, secret in self.accounts["totp"].items():
            if email in (BENCH_REVIEWER, BENCH_ADMIN):
                self.say(f"  TOTP secret of {email}: {secret}")


SEED_TOKEN = uuid.UUID("5ca1e000-0000-4000-8000-000000000000")


def _email_model():
    from allauth.account.models import EmailAddress

    return EmailAddress


def _form_title(source, topic, year):
    if source == Source.EXPO_CLASS:
        return f"Expo: {topic}", f"AASC Expo {year}"
    if source == Source.COMMITTEE:
        return "Education committee meeting", "AASC"
    return "Volunteering: community food drive", "AASC Cares"
