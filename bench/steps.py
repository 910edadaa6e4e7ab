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
import statistics
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
HOLDER_POOL = 50  # holder pages rotate over this many holders, one session each
STAFF_SESSIONS = 4
BACKEND = "holders.auth.PortalModelBackend"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def setup_django():
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


# --- prepare ----------------------------------------------------------------------------


def holder_pool(size):
    """The bench holder first, then holders spread over the seed, each with a 2027
    invoice and an account."""
    from bench.management.commands.seed_scale import BENCH_HOLDER, DOMAIN
    from credentials.models import RenewalInvoice

    invoices = (
        RenewalInvoice.objects.filter(
            cycle__year=2027,
            holder__email__endswith=f"@{DOMAIN}",
            holder__user__isnull=False,
        )
        .select_related("holder__user")
        .order_by("holder_id")
    )
    bench = invoices.get(holder__email=BENCH_HOLDER)
    total = invoices.count()
    step = max(1, total // size)
    ids = list(invoices.values_list("pk", flat=True)[::step][: size - 1])
    return [bench, *invoices.filter(pk__in=ids).exclude(pk=bench.pk)]


def client_for(user):
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    client.force_login(user, backend=BACKEND)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return client, cookie


def count_queries(client, path):
    """SQL queries of one GET, after a first GET that warms per-process caches. BEGIN and
    COMMIT (around the session save) are not counted, as tests/test_query_counts.py does
    not count the SAVEPOINTs they become inside a test's transaction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    sql = [q["sql"] for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL)]
    return response.status_code, len(sql), sql, first.status_code


def prepare(args):
    from django.contrib.auth import get_user_model

    from bench.management.commands.seed_scale import BENCH_ADMIN, BENCH_REVIEWER
    from cecs.models import CecEntry

    User = get_user_model()
    pages = {
        "dashboard": {"role": "holder", "title": "Holder dashboard /renewal/"},
        "cec_status": {"role": "holder", "title": "CEC status /cecs/status/"},
        "invoice": {"role": "holder", "title": "Invoice page /payments/invoices/<n>/"},
        "review_queue": {"role": "reviewer", "title": "Reviewer queue /cecs/review/"},
        "admin_reportingform": {
            "role": "superuser",
            "title": "Admin changelist /admin/cecs/reportingform/",
        },
        "admin_submission": {
            "role": "superuser",
            "title": "Admin changelist /admin/cecs/submission/",
        },
    }
    paths = {
        "dashboard": lambda invoice: "/renewal/",
        "cec_status": lambda invoice: "/cecs/status/",
        "invoice": lambda invoice: f"/payments/invoices/{invoice.number}/",
        "review_queue": lambda invoice: "/cecs/review/",
        "admin_reportingform": lambda invoice: "/admin/cecs/reportingform/",
        "admin_submission": lambda invoice: "/admin/cecs/submission/",
    }
    for page in pages.values():
        page.update(requests=[], queries=[], statuses=[], sample_sql=None)

    pool = holder_pool(HOLDER_POOL)
    signed_in = []  # the reference page again, as the same holders: what signing in costs
    for k, invoice in enumerate(pool):
        client, cookie = client_for(invoice.holder.user)
        signed_in.append(["/__bench__/rows", cookie])
        if k == 0:
            _, rows_queries, rows_sql, _ = count_queries(client, "/__bench__/rows")
        entries = CecEntry.objects.filter(holder=invoice.holder).count()
        for name in ("dashboard", "cec_status", "invoice"):
            path = paths[name](invoice)
            status, count, sql, _ = count_queries(client, path)
            page = pages[name]
            page["requests"].append([path, cookie])
            page["statuses"].append(status)
            page["queries"].append({"holder_entries": entries, "queries": count})
            if k == 0:
                page["sample_sql"] = sql
    staff = {
        "reviewer": User.objects.get(email=BENCH_REVIEWER),
        "superuser": User.objects.get(email=BENCH_ADMIN),
    }
    for role, user in staff.items():
        for k in range(STAFF_SESSIONS):
            client, cookie = client_for(user)
            for name, page in pages.items():
                if page["role"] != role:
                    continue
                path = paths[name](None)
                page["requests"].append([path, cookie])
                if k == 0:
                    status, count, sql, _ = count_queries(client, path)
                    page["statuses"].append(status)
                    page["queries"].append({"queries": count})
                    page["sample_sql"] = sql
    for page in pages.values():
        counts = [q["queries"] for q in page["queries"]]
        page["query_count"] = max(counts)
        page["query_count_min"] = min(counts)
        if page["role"] == "holder":
            entries = [q["holder_entries"] for q in page["queries"]]
            page["holder_entries_range"] = [min(entries), max(entries)]
    references = {
        "ok": {"title": "Reference: bare 'ok' view", "requests": [["/__bench__/ok", ""]]},
        "rows": {
            "title": "Reference: 20 rows, one query",
            "requests": [["/__bench__/rows", ""]],
        },
    }
    from django.test import Client

    anonymous = Client(HTTP_HOST=HOST)
    for ref in references.values():
        status, count, sql, _ = count_queries(anonymous, ref["requests"][0][0])
        ref.update(statuses=[status], query_count=count, query_count_min=count, sample_sql=sql)
    references["rows_signed_in"] = {
        "title": "Diagnostic: the same 20-row page signed in as a holder",
        "requests": signed_in,
        "statuses": [200],
        "query_count": rows_queries,
        "query_count_min": rows_queries,
        "sample_sql": rows_sql,
    }
    return {"references": references, "pages": pages, "data": data_sizes()}


def data_sizes():
    from django.apps import apps
    from django.db import connection

    from bench.management.commands.seed_scale import DOMAIN

    sizes = {}
    for label in [
        "holders.HolderProfile",
        "credentials.HeldCredential",
        "credentials.RenewalInvoice",
        "credentials.InvoiceLine",
        "credentials.ReminderLog",
        "cecs.CecEntry",
        "cecs.Attendance",
        "cecs.ReportingForm",
        "cecs.Submission",
        "cecs.SubmissionEntry",
        "payments.Payment",
        "payments.CheckoutAttempt",
    ]:
        model = apps.get_model(label)
        sizes[label] = model.objects.count()
    from holders.models import HolderProfile

    sizes["seeded holders"] = HolderProfile.objects.filter(email__endswith=f"@{DOMAIN}").count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        sizes["database size"] = cursor.fetchone()[0]
    return sizes


# --- issue_invoices ---------------------------------------------------------------------


def issue(args):
    """Time `manage.py issue_invoices` for a cycle nobody has been invoiced for yet (the
    seeded credentials all fall in it), then delete what it created."""
    from django.db import connection

    from credentials.models import InvoiceLine, RenewalCycle, RenewalInvoice

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
            cursor.execute(f"DELETE FROM {invoices} WHERE cycle_id = %s", [cycle.pk])  # noqa: S608
            history = RenewalCycle.history.model._meta.db_table
            cursor.execute(f"DELETE FROM {history} WHERE id = %s", [cycle.pk])  # noqa: S608
            cursor.execute(
                f"DELETE FROM {RenewalCycle._meta.db_table} WHERE id = %s",  # noqa: S608
                [cycle.pk],
            )
            for table in (InvoiceLine._meta.db_table, invoices):
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
        cursor.execute(f"VACUUM ANALYZE {ReminderLog._meta.db_table}")
    return result


# --- PDFs -------------------------------------------------------------------------------


BARE_HTML = "<html><body><h1>Certificate</h1><p>One page, no stylesheet.</p></body></html>"


def pdf(args):
    from django.conf import settings
    from weasyprint import HTML

    from bench.management.commands.seed_scale import BENCH_HOLDER
    from cecs.models import CecEntry
    from core.pdf import render_pdf
    from holders.models import HolderProfile

    holder = HolderProfile.objects.get(email=BENCH_HOLDER)
    entry = (
        CecEntry.objects.filter(
            holder=holder, attendance__isnull=False, status=CecEntry.Status.COUNTED
        )
        .select_related("attendance__aasc_class", "holder")
        .order_by("-earned_on")
        .first()
    )
    client, _ = client_for(holder.user)
    year = entry.earned_on.year
    urls = {
        "certificate": f"/cecs/entries/{entry.pk}/certificate/",
        "transcript": f"/cecs/transcript/{year}/pdf/",
    }

    def bare():
        return HTML(string=BARE_HTML, base_url=str(settings.BASE_DIR)).write_pdf()

    def view(url):
        response = client.get(url)
        if response.status_code != 200 or response["Content-Type"] != "application/pdf":
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response.content

    entries = list(CecEntry.objects.filter(holder=holder, earned_on__year=year))
    counted = sum(e.hours for e in entries if e.status == CecEntry.Status.COUNTED)
    transcript = {"holder": holder, "year": year, "entries": entries, "total": counted}
    runs = {
        "bare": bare,
        # What the views render (template + WeasyPrint), then the views themselves
        # (log-in, queries, template, WeasyPrint, response) as the holder gets them.
        "certificate": lambda: render_pdf(
            "pdf/certificate.html", {"entry": entry, "holder": holder}
        ),
        "transcript": lambda: render_pdf("pdf/transcript.html", transcript),
        **{f"{name}_view": lambda url=url: view(url) for name, url in urls.items()},
    }
    times = {name: [] for name in runs}
    for _ in range(3):  # warm up fonts and caches
        for render in runs.values():
            render()
    for _ in range(args.repeat):  # interleaved, so drift hits all alike
        for name, render in runs.items():
            started = time.perf_counter()
            render()
            times[name].append((time.perf_counter() - started) * 1000)
    pages = {
        "bare": len(HTML(string=BARE_HTML).render().pages),
        "transcript_entries": len(entries),
        "transcript": len(HTML(string=_transcript_html(transcript)).render().pages),
    }
    return {
        "urls": urls,
        "repeat": args.repeat,
        "median_ms": {name: round(statistics.median(t), 1) for name, t in times.items()},
        "p90_ms": {
            name: round(statistics.quantiles(t, n=10)[-1], 1) if len(t) > 1 else t[0]
            for name, t in times.items()
        },
        "pages": pages,
        "harfbuzz_subset": harfbuzz_subset(),
    }


def _transcript_html(context):
    from django.template.loader import render_to_string

    return render_to_string("pdf/transcript.html", context)


def harfbuzz_subset():
    """Whether Debian's libharfbuzz-subset0 is there (WeasyPrint is slower without it)."""
    try:
        run = subprocess.run(
            ["dpkg", "-s", "libharfbuzz-subset0"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
            timeout=20,
        )
    except OSError:
        return None
    return run.returncode == 0 and "Status: install ok installed" in run.stdout


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
