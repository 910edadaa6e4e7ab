"""The `prepare` step of `make bench` (bench/steps.py runs it): sessions for the holder,
reviewer and superuser pages, the URLs to load, and the SQL queries of each page
(django.test.Client + CaptureQueriesContext), with the sizes of the seeded tables."""

HOST = "127.0.0.1"
HOLDER_POOL = 50  # holder pages rotate over this many holders, one session each
STAFF_SESSIONS = 4
BACKEND = "holders.auth.PortalModelBackend"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")

PAGES = {
    "dashboard": {"role": "holder", "title": "Holder dashboard /renewal/"},
    "cec_status": {"role": "holder", "title": "CEC status /cecs/status/"},
    "invoice": {"role": "holder", "title": "Invoice page /payments/invoices/<n>/"},
    "reporting_forms": {"role": "holder", "title": "Reporting forms /cecs/forms/"},
    "classes": {"role": "holder", "title": "AASC classes /cecs/classes/"},
    "review_queue": {"role": "reviewer", "title": "Reviewer queue /cecs/review/"},
    "work_queues": {"role": "superuser", "title": "Staff work queues (admin home) /admin/"},
    "admin_reportingform": {
        "role": "superuser",
        "title": "Admin changelist /admin/cecs/reportingform/",
    },
    "admin_submission": {
        "role": "superuser",
        "title": "Admin changelist /admin/cecs/submission/",
    },
}
HOLDER_PAGES = [name for name, page in PAGES.items() if page["role"] == "holder"]
PATHS = {
    "dashboard": lambda invoice: "/renewal/",
    "cec_status": lambda invoice: "/cecs/status/",
    "invoice": lambda invoice: f"/payments/invoices/{invoice.number}/",
    "reporting_forms": lambda invoice: "/cecs/forms/",
    "classes": lambda invoice: "/cecs/classes/",
    "review_queue": lambda invoice: "/cecs/review/",
    "work_queues": lambda invoice: "/admin/",
    "admin_reportingform": lambda invoice: "/admin/cecs/reportingform/",
    "admin_submission": lambda invoice: "/admin/cecs/submission/",
}


def holder_pool(size):
    """The bench holder first, then holders spread over the seed, each with a 2027
    invoice and an account."""
    from bench.seeding.constants import BENCH_HOLDER, DOMAIN
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
    pages = {name: dict(page) for name, page in PAGES.items()}
    for page in pages.values():
        page.update(requests=[], queries=[], statuses=[], sample_sql=None)
    signed_in, rows_queries, rows_sql = holder_pages(pages)
    staff_pages(pages)
    for page in pages.values():
        counts = [q["queries"] for q in page["queries"]]
        page["query_count"] = max(counts)
        page["query_count_min"] = min(counts)
        if page["role"] == "holder":
            entries = [q["holder_entries"] for q in page["queries"]]
            page["holder_entries_range"] = [min(entries), max(entries)]
    references = reference_pages()
    references["rows_signed_in"] = {
        "title": "Reference: the same 20-row page signed in as a holder",
        "requests": signed_in,
        "statuses": [200],
        "query_count": rows_queries,
        "query_count_min": rows_queries,
        "sample_sql": rows_sql,
    }
    return {"references": references, "pages": pages, "data": data_sizes()}


def holder_pages(pages):
    """The holder pages for each holder of the pool, one session each. Returns the reference
    page's requests as those holders, and its queries and SQL signed in."""
    from cecs.models import CecEntry

    pool = holder_pool(HOLDER_POOL)
    signed_in = []  # the reference page again, as the same holders: what signing in costs
    for k, invoice in enumerate(pool):
        client, cookie = client_for(invoice.holder.user)
        signed_in.append(["/__bench__/rows", cookie])
        if k == 0:
            _, rows_queries, rows_sql, _ = count_queries(client, "/__bench__/rows")
        entries = CecEntry.objects.filter(holder=invoice.holder).count()
        for name in HOLDER_PAGES:
            path = PATHS[name](invoice)
            status, count, sql, _ = count_queries(client, path)
            page = pages[name]
            page["requests"].append([path, cookie])
            page["statuses"].append(status)
            page["queries"].append({"holder_entries": entries, "queries": count})
            if k == 0:
                page["sample_sql"] = sql
    return signed_in, rows_queries, rows_sql


def staff_pages(pages):
    """The reviewer's and superuser's pages over a few sessions, queries counted in the
    first."""
    from django.contrib.auth import get_user_model

    from bench.seeding.constants import BENCH_ADMIN, BENCH_REVIEWER

    User = get_user_model()
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
                path = PATHS[name](None)
                page["requests"].append([path, cookie])
                if k == 0:
                    status, count, sql, _ = count_queries(client, path)
                    page["statuses"].append(status)
                    page["queries"].append({"queries": count})
                    page["sample_sql"] = sql


def reference_pages():
    from django.test import Client

    references = {
        "ok": {"title": "Reference: bare 'ok' view", "requests": [["/__bench__/ok", ""]]},
        "rows": {
            "title": "Reference: 20 rows, one query",
            "requests": [["/__bench__/rows", ""]],
        },
    }
    anonymous = Client(HTTP_HOST=HOST)
    for ref in references.values():
        status, count, sql, _ = count_queries(anonymous, ref["requests"][0][0])
        ref.update(statuses=[status], query_count=count, query_count_min=count, sample_sql=sql)
    return references


def data_sizes():
    from django.apps import apps
    from django.db import connection

    from bench.seeding.constants import DOMAIN

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
