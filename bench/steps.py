"""The in-process parts of `make bench`, each run by bench/run.py as its own process with
the bench environment (`python bench/steps.py STEP --out FILE`), each writing JSON:

- prepare: sessions for the holder, reviewer and superuser pages, the URLs to load, and
  the SQL queries of each page (django.test.Client + CaptureQueriesContext);
- issue:   `manage.py issue_invoices` for a new cycle over every seeded holder, timed,
           then its invoices removed again;
- sweep:   the reminder sweep's claim phase over the seeded invoices (tasks not queued),
           timed, then its claims removed again;
- pdf:     certificate and transcript PDFs against a bare one-page WeasyPrint render.
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a script (`python bench/steps.py STEP`): the steps are imported from the bench package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BASE_DIR
from bench.pages import prepare
from bench.pdfs import pdf


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


# --- issue_invoices ---------------------------------------------------------------------


def issue(args):
    """Time `manage.py issue_invoices` for a cycle nobody has been invoiced for yet (the
    seeded credentials all fall in it), then delete what it created."""
    from django.db import connection

    from credentials.models import InvoiceLine, RenewalCycle, RenewalInvoice
    from holders.models import HolderProfile

    year = 2028
    while RenewalCycle.objects.filter(year=year).exists():
        year += 1
    command = [sys.executable, str(BASE_DIR / "manage.py"), "issue_invoices", "--year", str(year)]
    started = time.perf_counter()
    run = subprocess.run(  # noqa: S603 - our own manage.py
        command, capture_output=True, text=True, timeout=args.command_timeout, check=False
    )
    wall = time.perf_counter() - started
    created = re.search(r"(\d+) invoice\(s\) issued", run.stdout)
    own = re.search(r"in ([\d.]+) s\.", run.stdout)
    result = {
        "year": year,
        "command": " ".join(command[1:]),
        "returncode": run.returncode,
        "wall_s": round(wall, 2),
        "command_reported_s": float(own.group(1)) if own else None,
        "invoices": int(created.group(1)) if created else None,
        "output_tail": (run.stdout + run.stderr)[-1500:],
    }
    cycle = RenewalCycle.objects.filter(year=year).first()
    if cycle is not None:  # leave the database as seeded
        with connection.cursor() as cursor:
            invoices = RenewalInvoice._meta.db_table
            cursor.execute(
                f"DELETE FROM {InvoiceLine._meta.db_table} WHERE invoice_id IN "  # noqa: S608
                f"(SELECT id FROM {invoices} WHERE cycle_id = %s)",
                [cycle.pk],
            )
            # The command writes a history row per invoice (bulk paths keep history too).
            invoice_history = RenewalInvoice.history.model._meta.db_table
            cursor.execute(
                f"DELETE FROM {invoice_history} WHERE cycle_id = %s",  # noqa: S608
                [cycle.pk],
            )
            cursor.execute(f"DELETE FROM {invoices} WHERE cycle_id = %s", [cycle.pk])  # noqa: S608
            history = RenewalCycle.history.model._meta.db_table
            cursor.execute(f"DELETE FROM {history} WHERE id = %s", [cycle.pk])  # noqa: S608
            cursor.execute(
                f"DELETE FROM {RenewalCycle._meta.db_table} WHERE id = %s",  # noqa: S608
                [cycle.pk],
            )
            # Issuing and deleting the invoices each bumped every invoiced holder's renewal
            # version (holders.renewal_version) twice: 360,000 dead holder rows a run, which
            # slowed every page joining holders on a PostgreSQL without autovacuum.
            for table in (InvoiceLine._meta.db_table, invoices, HolderProfile._meta.db_table):
                cursor.execute(f"VACUUM ANALYZE {table}")
    return result


# --- reminder sweep ---------------------------------------------------------------------


def sweep(args):
    """The daily sweep on the day the 2027 cycle's "30 days before" reminder falls due.
    Only its claim phase is measured: the send tasks it would queue are not queued (their
    ids are counted), so nothing is sent; the claims are then deleted again."""
    from django.conf import settings
    from django.db import connection

    from credentials.models import ReminderLog, RenewalCycle, RenewalInvoice
    from renewal_portal import reminders

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cycle = RenewalCycle.objects.get(year=2027)
    today = cycle.due_on - datetime.timedelta(days=30)
    now = datetime.datetime.combine(today, datetime.time(8, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))
    queued = []
    original = reminders._enqueue
    reminders._enqueue = queued.extend  # the tasks are not queued, only counted
    try:
        started = time.perf_counter()
        first = reminders.reminders_sweep(today=today, now=now)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        again = reminders.reminders_sweep(today=today, now=now)
        again_s = time.perf_counter() - started
    finally:
        reminders._enqueue = original
    result = {
        "today": today.isoformat(),
        "invoices": RenewalInvoice.objects.count(),
        "invoices_in_cycle": RenewalInvoice.objects.filter(cycle=cycle).count(),
        "claimed": first.claimed,
        "claimed_total": first.total,
        "tasks_not_queued": len(queued),
        "sweep_s": round(first_s, 2),
        "second_sweep_claimed": again.total,
        "second_sweep_s": round(again_s, 2),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {ReminderLog._meta.db_table} WHERE id = ANY(%s)",  # noqa: S608
            [first.log_ids],
        )
        # Each claim wrote a history row too.
        cursor.execute(
            f"DELETE FROM {ReminderLog.history.model._meta.db_table} "  # noqa: S608
            "WHERE id = ANY(%s)",
            [first.log_ids],
        )
        cursor.execute(f"VACUUM ANALYZE {ReminderLog._meta.db_table}")
    return result


STEPS = {"prepare": prepare, "issue": issue, "sweep": sweep, "pdf": pdf}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--out", required=True)
    parser.add_argument("--command-timeout", type=float, default=600)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    setup_django()
    result = STEPS[args.step](args)
    Path(args.out).write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
