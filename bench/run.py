"""`make bench`: the portal under gunicorn against a large seeded PostgreSQL database.

    .venv/bin/python bench/run.py --holders 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/renewal_bench

It migrates a separate database, seeds it with `seed_scale` (skipped when it already
holds that many seeded holders, unless --reseed), collects static files, starts gunicorn
with production settings on 127.0.0.1 and measures, in one run: req/s and p50/p99 of the
two reference views and of each page (with wrk, or bench/loadgen.py without it), the SQL
queries per page, `issue_invoices` for every seeded holder, the reminder sweep's claim
phase, and PDF render times. It writes bench/results.json and bench/results.md. See
bench/README.md.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
WORK_DIR = BASE_DIR / "var" / "bench"
PYTHON = sys.executable
BIN = Path(PYTHON).parent

# The targets (ratios hold on any machine; absolute times on a 2-core machine).
PAGE_RPS_RATIO = 0.5  # each page ≥ 0.5 x the reference page's req/s
PAGE_P99_MS = 50
PAGE_MAX_QUERIES = 12
ISSUE_MAX_S = 60
SWEEP_MAX_S = 30
CERTIFICATE_MAX_RATIO = 2.0  # x a bare one-page WeasyPrint render

PAGE_ORDER = [
    "dashboard",
    "cec_status",
    "invoice",
    "review_queue",
    "admin_reportingform",
    "admin_submission",
]
STRIPPED_ENV = ("DJANGO_", "DATABASE_", "CELERY_", "EMAIL_", "CACHE_", "MFA_", "STRIPE_")


def log(text):
    print(f"[bench {datetime.datetime.now():%H:%M:%S}] {text}", flush=True)


class Deadline:
    def __init__(self, minutes):
        self.end = time.monotonic() + minutes * 60

    def left(self):
        return self.end - time.monotonic()

    def timeout(self, wanted):
        """A subprocess timeout: what the step may take, but never past the deadline."""
        left = self.left()
        if left < 5:
            raise TimeoutError("the bench ran out of time (see --max-minutes)")
        return min(wanted, left)


BENCH_CACHE_URL = "rediscache://127.0.0.1:6379/14"


def bench_env(database_url):
    """Production settings (DEBUG off, manifest static files, persistent connections) plus
    the bench app (bench/settings.py: `seed_scale` and the reference pages), mail kept in
    memory, nothing from a developer's .env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(STRIPPED_ENV)}
    env.update(
        DJANGO_ENV_FILE=os.devnull,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_MANIFEST="true",
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="60",
        # As in production (docker-compose.yml): one Redis cache shared by every worker.
        CACHE_URL=BENCH_CACHE_URL,
        EMAIL_URL="memorymail://",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env, deadline, *args, timeout=600, quiet=False):
    command = [PYTHON, str(BASE_DIR / "manage.py"), *args]
    output = subprocess.DEVNULL if quiet else None
    subprocess.run(  # noqa: S603 - our own manage.py
        command,
        env=env,
        cwd=BASE_DIR,
        check=True,
        timeout=deadline.timeout(timeout),
        stdout=output,
    )


def step(name, env, deadline, timeout=600, **options):
    """Run bench/steps.py NAME in its own process; returns its JSON."""
    out = WORK_DIR / f"{name}.json"
    out.unlink(missing_ok=True)
    command = [PYTHON, str(BENCH_DIR / "steps.py"), name, "--out", str(out)]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    subprocess.run(  # noqa: S603 - our own script
        command, env=env, cwd=BASE_DIR, check=True, timeout=deadline.timeout(timeout)
    )
    return json.loads(out.read_text())


# --- The database -----------------------------------------------------------------------


def ensure_database(url):
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(f"No database name in {url}")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"Creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def seeded_holders(url):
    import psycopg

    with psycopg.connect(url) as conn:
        holders = conn.execute(
            "SELECT count(*) FROM holders_holderprofile "
            "WHERE email LIKE '%%@scale.test' AND member_number LIKE 'SC%%'"
        ).fetchone()[0]
        admin = conn.execute(
            "SELECT count(*) FROM holders_user WHERE email = 'bench-admin@scale.test'"
        ).fetchone()[0]
    return holders if admin else 0


def checkpoint(url):
    """Flush what seeding and migrating left in PostgreSQL's buffers before measuring: a
    checkpoint running under the load stalls every commit (each page saves its session)
    for up to seconds, which says nothing about the portal."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.Error as error:
        log(f"CHECKPOINT refused ({error}); waiting 30 s for the background writer instead")
        time.sleep(30)


def postgres_version(url):
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


# --- gunicorn and the load --------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path, cookie="", timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


class Gunicorn:
    def __init__(self, env, port, workers):
        self.port = port
        self.log = WORK_DIR / "gunicorn.log"
        command = [
            str(BIN / "gunicorn"),
            "renewal_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "30",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log),
        ]
        self.process = subprocess.Popen(command, env=env, cwd=BASE_DIR)  # noqa: S603

    def wait_ready(self, seconds=60):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                if get(self.port, "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz in {seconds} s; see {self.log}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def load(port, requests, *, duration, connections, threads, wrk):
    """One load run over the (path, cookie) pairs; the figures wrk_report.lua prints."""
    targets = WORK_DIR / "targets.tsv"
    targets.write_text("".join(f"{path}\t{cookie}\n" for path, cookie in requests))
    if wrk is None:
        sys.path.insert(0, str(BENCH_DIR))
        import loadgen

        return loadgen.run(port, requests, connections=connections, duration=duration)
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "-s",
        str(BENCH_DIR / "wrk_report.lua"),
        f"http://127.0.0.1:{port}",
        "--",
        str(targets),
    ]
    run = subprocess.run(  # noqa: S603 - wrk on 127.0.0.1 only
        command, capture_output=True, text=True, timeout=duration + 60, check=True
    )
    line = next(x for x in run.stdout.splitlines() if x.startswith("WRKJSON "))
    return json.loads(line.removeprefix("WRKJSON "))


def measure(name, spec, port, args, wrk):
    """Check every (path, cookie) answers 200 (a redirect to the log-in page would be
    fast and meaningless), warm up, then load."""
    requests = [tuple(r) for r in spec["requests"]]
    for path, cookie in dict.fromkeys(requests):
        status, location = get(port, path, cookie)
        if status != 200:
            return {"error": f"{path} answered {status} (to {location}), not 200"}
    load(port, requests, duration=2, connections=args.connections, threads=args.threads, wrk=wrk)
    raw = load(
        port,
        requests,
        duration=args.duration,
        connections=args.connections,
        threads=args.threads,
        wrk=wrk,
    )
    seconds = raw["duration_us"] / 1_000_000
    errors = sum(raw["errors"].values())
    result = {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["latency_us"]["p50"] / 1000, 2),
        "p90_ms": round(raw["latency_us"]["p90"] / 1000, 2),
        "p99_ms": round(raw["latency_us"]["p99"] / 1000, 2),
        "max_ms": round(raw["latency_us"]["max"] / 1000, 2),
        "errors": raw["errors"],
        "users": len({cookie for _, cookie in requests}),
        "bytes_per_response": round(raw["bytes"] / max(1, raw["requests"])),
    }
    if errors:
        result["error"] = f"{errors} failed request(s): {raw['errors']}"
    log(
        f"  {name:<20} {result['rps']:>8.1f} req/s  p50 {result['p50_ms']:>6.1f} ms  "
        f"p99 {result['p99_ms']:>6.1f} ms"
    )
    return result


# --- The machine ------------------------------------------------------------------------


def machine(database_url, wrk):
    cpu = platform.processor()
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"model name\s*:\s*(.+)", cpuinfo).group(1).strip()
        meminfo = Path("/proc/meminfo").read_text()
        ram_gb = round(int(re.search(r"MemTotal:\s*(\d+)", meminfo).group(1)) / 1024 / 1024, 1)
    except (OSError, AttributeError):
        ram_gb = None
    versions = subprocess.run(  # noqa: S603
        [
            PYTHON,
            "-c",
            "import django, gunicorn, weasyprint, psycopg; "
            "print(django.get_version(), gunicorn.__version__, weasyprint.__version__, "
            "psycopg.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    wrk_version = None
    if wrk:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
        wrk_version = (out.stdout + out.stderr).split("[")[0].strip() or "wrk"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
        cwd=BASE_DIR,
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": postgres_version(database_url),
        "django": versions[0],
        "gunicorn": versions[1],
        "weasyprint": versions[2],
        "psycopg": versions[3],
        "load_generator": wrk_version or "bench/loadgen.py (wrk not installed)",
        "git_commit": commit,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# --- Verdicts and the report ------------------------------------------------------------


def verdicts(results):
    """[(measure, figure, target, pass or None)] for the table."""
    rows = []
    refs, pages = results.get("references", {}), results.get("pages", {})
    floor = refs.get("rows", {}).get("rps")
    for name in ("ok", "rows", "rows_signed_in"):
        ref = refs.get(name, {})
        if "rps" in ref:
            figure = (
                f"{ref['rps']:,.0f} req/s, p50 {ref['p50_ms']:.1f} ms, "
                f"p99 {ref['p99_ms']:.1f} ms, {ref.get('query_count', '?')} queries"
            )
            rows.append((ref["title"], figure, "reference", None))
        elif ref.get("error"):
            rows.append((ref.get("title", name), ref["error"], "reference", False))
    for name in PAGE_ORDER:
        page = pages.get(name)
        if page is None:
            continue
        title = page["title"]
        if "rps" not in page:
            rows.append((title, page.get("error", "not measured"), "runs", False))
            continue
        ratio = page["rps"] / floor if floor else None
        failed = f"; {page['error']}" if page.get("error") else ""
        rows.append(
            (
                f"{title}: req/s",
                f"{page['rps']:,.0f} req/s ({ratio:.2f}x reference){failed}"
                if ratio is not None
                else f"{page['rps']:,.0f} req/s{failed}",
                f"≥ {PAGE_RPS_RATIO}x reference ({PAGE_RPS_RATIO * floor:,.0f} req/s)"
                if floor
                else f"≥ {PAGE_RPS_RATIO}x reference",
                ratio is not None and ratio >= PAGE_RPS_RATIO,
            )
        )
        rows.append(
            (
                f"{title}: latency",
                f"p50 {page['p50_ms']:.1f} ms, p99 {page['p99_ms']:.1f} ms",
                f"p99 ≤ {PAGE_P99_MS} ms",
                page["p99_ms"] <= PAGE_P99_MS,
            )
        )
        low, high = page["query_count_min"], page["query_count"]
        detail = f"{high} queries" if low == high else f"{low} to {high} queries"
        if "holder_entries_range" in page:
            a, b = page["holder_entries_range"]
            holders = page.get("users", len(page.get("queries", [])))
            detail += f" over {holders} holders with {a} to {b} CEC entries"
            if low != high:
                detail += " (the count follows the holder's renewal state, not the data size)"
        rows.append(
            (
                f"{title}: SQL queries",
                detail,
                f"≤ {PAGE_MAX_QUERIES} (constant in data size: tests/test_query_counts.py)",
                high <= PAGE_MAX_QUERIES,
            )
        )
    issue = results.get("issue_invoices")
    if issue:
        if issue.get("error") or issue.get("returncode"):
            rows.append(("issue_invoices", issue.get("error", "failed"), "", False))
        else:
            rows.append(
                (
                    f"issue_invoices --year {issue['year']} ({issue['invoices']:,} invoices for "
                    f"{results['data'].get('seeded holders', 0):,} holders)",
                    f"{issue['wall_s']:.1f} s (command's own timer: "
                    f"{issue['command_reported_s']} s)",
                    f"≤ {ISSUE_MAX_S} s",
                    issue["wall_s"] <= ISSUE_MAX_S,
                )
            )
    sweep = results.get("reminder_sweep")
    if sweep:
        if sweep.get("error"):
            rows.append(("Reminder sweep", sweep["error"], "", False))
        else:
            rows.append(
                (
                    f"Reminder sweep on {sweep['today']}, claim phase "
                    f"({sweep['invoices']:,} invoices, {sweep['claimed_total']:,} claimed)",
                    f"{sweep['sweep_s']:.1f} s (a second sweep: {sweep['second_sweep_s']:.1f} s, "
                    f"{sweep['second_sweep_claimed']} claimed)",
                    f"≤ {SWEEP_MAX_S} s",
                    sweep["sweep_s"] <= SWEEP_MAX_S,
                )
            )
    pdf = results.get("pdf")
    if pdf:
        if pdf.get("error"):
            rows.append(("PDF renders", pdf["error"], "", False))
        else:
            med = pdf["median_ms"]
            ratio = med["certificate"] / med["bare"]
            rows.append(
                (
                    "Bare one-page WeasyPrint render",
                    f"{med['bare']:.1f} ms (median of {pdf['repeat']})",
                    "reference",
                    None,
                )
            )
            rows.append(
                (
                    "Certificate PDF render (template + WeasyPrint)",
                    f"{med['certificate']:.1f} ms ({ratio:.2f}x bare); the whole view "
                    f"{med['certificate_view']:.1f} ms",
                    f"≤ {CERTIFICATE_MAX_RATIO}x bare",
                    ratio <= CERTIFICATE_MAX_RATIO,
                )
            )
            rows.append(
                (
                    f"Transcript PDF render ({pdf['pages']['transcript_entries']} entries, "
                    f"{pdf['pages']['transcript']} page(s))",
                    f"{med['transcript']:.1f} ms ({med['transcript'] / med['bare']:.2f}x bare); "
                    f"the whole view {med['transcript_view']:.1f} ms",
                    "reported (no target)",
                    None,
                )
            )
    return rows


def write_report(results, path_json, path_md):
    results["verdicts"] = [
        {"measure": m, "figure": f, "target": t, "pass": p} for m, f, t, p in verdicts(results)
    ]
    path_json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    m = results["machine"]
    s = results["settings"]
    lines = [
        "# Benchmark results",
        "",
        f"`make bench HOLDERS={s['holders']}` on {m['date']}, commit {m['git_commit']}. "
        "Generated by bench/run.py; bench/README.md explains the method.",
        "",
        "| measure | figure | target | result |",
        "| --- | --- | --- | --- |",
    ]
    for v in results["verdicts"]:
        verdict = "—" if v["pass"] is None else "**pass**" if v["pass"] else "**FAIL**"
        lines.append(f"| {v['measure']} | {v['figure']} | {v['target']} | {verdict} |")
    failed = [v["measure"] for v in results["verdicts"] if v["pass"] is False]
    lines += [
        "",
        f"**{len(failed)} target(s) missed.**" if failed else "**Every target is met.**",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram_gb']} GB; {m['os']}",
        f"- Load average when the bench started: {m['load_average_at_start']} (other work on "
        "the machine slows every figure alike; compare ratios)",
        f"- Python {m['python']}, Django {m['django']}, PostgreSQL {m['postgresql']}, "
        f"gunicorn {m['gunicorn']}, WeasyPrint {m['weasyprint']}, psycopg {m['psycopg']}",
        f"- Load generator: {m['load_generator']}; libharfbuzz-subset0 installed: "
        f"{results.get('pdf', {}).get('harfbuzz_subset')}",
        "",
        "## How it ran",
        "",
        f"- gunicorn, {s['workers']} sync workers, DEBUG off, manifest static files, persistent "
        f"database connections (CONN_MAX_AGE 60, health checks on); {s['connections']} "
        f"connections from {s['threads']} load threads for {s['duration']} s per page after a "
        "2 s warm-up; load generator and server share the machine.",
        "- Holder pages rotate over "
        f"{results.get('pages', {}).get('dashboard', {}).get('users', '?')} seeded holders "
        "(one session each); reviewer and admin pages over 4 sessions of the bench reviewer "
        "and the bench superuser (both with a TOTP authenticator, as production requires).",
        "- References: `/__bench__/ok` returns `ok` (no template, no database); "
        "`/__bench__/rows` renders 20 holder rows from one query in the portal's layout. "
        "Both anonymous.",
        "- SQL queries: counted with django.test.Client and CaptureQueriesContext on the same "
        "database, after one warm-up request; holder pages for every holder in the rotation.",
        "- issue_invoices: `manage.py issue_invoices --year Y` for the next cycle nobody has "
        "been invoiced for (every seeded renewing credential falls in it), timed as a whole "
        "process; its invoices are deleted afterwards.",
        "- Reminder sweep: `reminders_sweep(today=…)` on the day the 2027 cycle's "
        '"30 days before the due date" reminder is due. **Only the claim phase is measured**: '
        "the send tasks it would queue after each commit are counted, not queued (no mail, "
        "no broker); its claims are deleted afterwards.",
        "- PDFs: median of interleaved renders after 3 warm-ups; certificate and transcript "
        "through their views (database, template, WeasyPrint) as the bench holder.",
        "",
        "## Data",
        "",
        "| table | rows |",
        "| --- | --- |",
    ]
    lines += [
        f"| {k} | {v:,} |" if isinstance(v, int) else f"| {k} | {v} |"
        for k, v in results.get("data", {}).items()
    ]
    if results.get("seed"):
        lines += ["", f"Seeding: {results['seed']}"]
    findings = BENCH_DIR / "findings.md"
    if findings.exists():
        lines += ["", findings.read_text().strip()]
    path_md.write_text("\n".join(lines) + "\n")


# --- Main -------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description="Benchmark the portal (see bench/README.md).")
    parser.add_argument("--holders", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/renewal_bench"
    )
    parser.add_argument("--reseed", action="store_true", help="Seed even if already seeded.")
    parser.add_argument("--duration", type=int, default=10, help="Seconds of load per page.")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")
    parser.add_argument("--max-minutes", type=float, default=28)
    parser.add_argument(
        "--only",
        default="load,issue,sweep,pdf",
        help="Comma-separated parts to run: load, issue, sweep, pdf.",
    )
    parser.add_argument("--out", default=str(BENCH_DIR), help="Where results.* go.")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="Rewrite results.md from results.json (after editing bench/findings.md).",
    )
    args = parser.parse_args()
    if args.report_only:
        out = Path(args.out)
        results = json.loads((out / "results.json").read_text())
        write_report(results, out / "results.json", out / "results.md")
        return 0
    only = set(args.only.split(","))
    deadline = Deadline(args.max_minutes)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    env = bench_env(args.database_url)
    wrk = shutil.which("wrk")
    failures = 0

    ensure_database(args.database_url)
    log("migrate")
    manage(env, deadline, "migrate", "--noinput", quiet=True)
    seed_note = None
    have = seeded_holders(args.database_url)
    seed_log = WORK_DIR / f"seed-{urlsplit(args.database_url).path.lstrip('/')}.json"
    if have == args.holders and not args.reseed:
        log(f"{have:,} seeded holders already there: not seeding (--reseed / RESEED=1 to redo)")
        seed_note = f"reused an earlier seed of {have:,} holders"
        earlier = json.loads(seed_log.read_text()) if seed_log.exists() else {}
        if earlier.get("holders") == have:
            seed_note += f" (seed_scale took {earlier['seconds']:.0f} s on {earlier['date']})"
        seed_note += "."
    else:
        log(f"seed_scale --holders {args.holders} (the database holds {have:,} seeded holders)")
        started = time.monotonic()
        manage(env, deadline, "seed_scale", "--holders", str(args.holders), timeout=20 * 60)
        seconds = time.monotonic() - started
        seed_note = f"seed_scale --holders {args.holders} took {seconds:.0f} s."
        seed_log.write_text(
            json.dumps(
                {
                    "holders": args.holders,
                    "seconds": seconds,
                    "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                }
            )
        )
    log("collectstatic; the bench cache emptied (the seed bypasses what keeps it fresh)")
    manage(env, deadline, "collectstatic", "--noinput", quiet=True)
    clear = "from django.core.cache import cache; cache.clear()"
    manage(env, deadline, "shell", "-c", clear, quiet=True)

    results = {
        "settings": {
            "holders": args.holders,
            "database": urlsplit(args.database_url).path.lstrip("/"),
            "duration": args.duration,
            "connections": args.connections,
            "threads": args.threads,
            "workers": args.workers,
        },
        "machine": machine(args.database_url, wrk),
        "seed": seed_note,
    }
    log("prepare: sessions, URLs and SQL query counts")
    prepared = step("prepare", env, deadline, timeout=300)
    results["data"] = prepared["data"]
    results["references"] = prepared["references"]
    results["pages"] = prepared["pages"]

    if "load" in only:
        checkpoint(args.database_url)
        port = free_port()
        log(f"gunicorn on 127.0.0.1:{port} ({args.workers} sync workers); load per page:")
        server = Gunicorn(env, port, args.workers)
        try:
            server.wait_ready()
            for name, spec in [*prepared["references"].items(), *prepared["pages"].items()]:
                if deadline.left() < args.duration + 30:
                    spec["error"] = "skipped: out of time"
                    failures += 1
                    continue
                try:
                    spec.update(measure(name, spec, port, args, wrk))
                except (OSError, subprocess.SubprocessError, StopIteration) as error:
                    spec["error"] = f"load failed: {error}"
                if spec.get("error"):
                    log(f"  {name}: {spec['error']}")
        finally:
            server.stop()
    for spec in [*results["references"].values(), *results["pages"].values()]:
        spec.pop("requests", None)  # session cookies stay out of the report, and so do
        spec["sample_sql"] = [  # the literals in the SQL (session keys and data)
            re.sub(r"'[^']*'", "'…'", sql)[:400] for sql in spec.get("sample_sql") or []
        ]

    for part, key, timeout, options in [
        ("issue", "issue_invoices", 300, {"command-timeout": 240}),
        ("sweep", "reminder_sweep", 300, {}),
        ("pdf", "pdf", 300, {"repeat": 15}),
    ]:
        if part not in only:
            continue
        log(f"{key}")
        try:
            results[key] = step(part, env, deadline, timeout=timeout, **options)
        except (subprocess.SubprocessError, TimeoutError, OSError) as error:
            results[key] = {"error": f"{part} step failed: {error}"}
            failures += 1
        log(f"  {json.dumps(results[key], default=str)[:300]}")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_report(results, out / "results.json", out / "results.md")
    missed = [v for v in results["verdicts"] if v["pass"] is False]
    log(f"wrote {out / 'results.md'}: {len(missed)} target(s) missed")
    for v in missed:
        log(f"  MISSED {v['measure']}: {v['figure']} (target {v['target']})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
