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

This file holds the command: its arguments, the order of the phases and what it prints; the
parts are in bench/seeding/.
"""

import secrets
import time

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from bench.seeding.clearing import clear_seeded
from bench.seeding.constants import (
    BENCH_ADMIN,
    BENCH_HOLDER,
    BENCH_REVIEWER,
    CHUNK,
    CURRENT_CYCLE,
    DOMAIN,
    ISSUED_2027,
    MEMBER_PREFIX,
    PAST_CYCLE,
    TYPE_WEIGHTS,
)
from bench.seeding.current_cycle import CurrentCycleWriter
from bench.seeding.ledger import LedgerWriter
from bench.seeding.past_cycle import PastCycleWriter
from bench.seeding.people import PeopleWriter
from bench.seeding.plan import Planner
from bench.seeding.rows import RowWriter
from bench.seeding.writer import make_tables
from credentials.models import CredentialType, ReminderStage
from credentials.selectors import requirements_by_type
from credentials.services import cycle_get_or_create, invoices_issue
from holders.models import HolderProfile
from holders.roles import HOLDERS


class Command(
    PeopleWriter, PastCycleWriter, LedgerWriter, CurrentCycleWriter, RowWriter, BaseCommand
):
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
            self.vacuum()
        self.timings["total_s"] = time.monotonic() - started
        self.summary(holders, password)

    def vacuum(self):
        tick = time.monotonic()
        self.say("VACUUM ANALYZE of the seeded tables…")
        with connection.cursor() as cursor:
            for table in sorted({t.model._meta.db_table for t in self.tables.values()}):
                cursor.execute(f'VACUUM ANALYZE "{table}"')
        self.timings["vacuum_s"] = time.monotonic() - tick

    # -- Building -----------------------------------------------------------------------

    def seed_all(self, cursor, n, seed, password):
        self.load_reference_data(password)
        tick = time.monotonic()
        self.accounts = self.create_staff_accounts()
        classes = self.write_classes(cursor, n, seed)
        planner = Planner(seed, classes, self.types, self.requirements)
        # Per seeded holder (by index): its ids, and the id of its first CEC entry.
        self.holder_ids, self.user_ids, self.entry_start = [0] * n, [None] * n, [0] * n
        self.say(f"Seeding {n:,} holders (phase 1 of 2: people, ledger, the 2026 cycle)…")
        for start in range(0, n, CHUNK):
            plans = [planner.plan(i) for i in range(start, min(n, start + CHUNK))]
            self.write_phase_one(cursor, plans)
            self.say(f"  {start + len(plans):>7,}/{n:,} holders  ({self.rows_so_far()})")
        self.timings["phase1_s"] = time.monotonic() - tick
        self.issue_current_invoices()
        tick = time.monotonic()
        self.say("Phase 2 of 2: the 2027 cycle in progress (payments, submissions)…")
        self.start_phase_two(cursor)
        for start in range(0, n, CHUNK):
            plans = [planner.plan(i) for i in range(start, min(n, start + CHUNK))]
            self.write_phase_two(cursor, plans)
            self.say(f"  {start + len(plans):>7,}/{n:,} holders")
        self.finish_phase_two(cursor)
        self.timings["phase2_s"] = time.monotonic() - tick

    def load_reference_data(self, password):
        """What every phase reads: credential types, the two cycles and their requirements,
        reminder stages, the holders' group, the tables, the one password hash."""
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
        self.tables = make_tables(now)

    def write_phase_one(self, cursor, plans):
        """People, the ledger, the finished 2026 cycle."""
        self.write_people(cursor, plans)
        renewing = self.write_credentials(cursor, plans)
        self.write_waivers(cursor, plans)
        self.write_emeriti(cursor, plans)
        self.write_confirmations(cursor, plans)
        self.write_past_cycle(cursor, plans, renewing)

    def issue_current_invoices(self):
        """The 2027 invoices, by the portal's own service (timed: the benchmark reports it)."""
        tick = time.monotonic()
        self.say("Issuing the 2027 invoices with credentials.services.invoices_issue…")
        result = invoices_issue(cycle=self.cycles[CURRENT_CYCLE], now=ISSUED_2027)
        self.timings["invoices_issue_s"] = time.monotonic() - tick
        self.invoices_issued = result.created
        self.say(
            f"  {result.created:,} invoice(s) issued in {self.timings['invoices_issue_s']:.1f} s."
        )

    def rows_so_far(self):
        return f"{self.tables['entry'].count:,} CEC entries"

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
