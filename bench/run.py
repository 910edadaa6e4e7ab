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
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

# Run as a script (`python bench/run.py`): its parts are imported from the bench package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BASE_DIR, BENCH_DIR, PYTHON, WORK_DIR, log
from bench.report import write_report
from bench.server import Gunicorn, free_port, measure

STRIPPED_ENV = ("DJANGO_", "DATABASE_", "CELERY_", "EMAIL_", "CACHE_", "MFA_", "STRIPE_")


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


# --- Main -------------------------------------------------------------------------------


def parse_args():
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
    return parser.parse_args()


def main():
    args = parse_args()
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
    seed_note = seed(args, env, deadline)
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
        failures += load_pages(prepared, args, env, deadline, wrk)
    for spec in [*results["references"].values(), *results["pages"].values()]:
        spec.pop("requests", None)  # session cookies stay out of the report, and so do
        spec["sample_sql"] = [  # the literals in the SQL (session keys and data)
            re.sub(r"'[^']*'", "'…'", sql)[:400] for sql in spec.get("sample_sql") or []
        ]
    failures += timed_steps(results, only, env, deadline)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_report(results, out / "results.json", out / "results.md")
    missed = [v for v in results["verdicts"] if v["pass"] is False]
    log(f"wrote {out / 'results.md'}: {len(missed)} target(s) missed")
    for v in missed:
        log(f"  MISSED {v['measure']}: {v['figure']} (target {v['target']})")
    return 1 if failures else 0


def seed(args, env, deadline):
    """Seed with `seed_scale` unless the database already holds that many seeded holders;
    returns the note the report prints about it."""
    have = seeded_holders(args.database_url)
    seed_log = WORK_DIR / f"seed-{urlsplit(args.database_url).path.lstrip('/')}.json"
    if have == args.holders and not args.reseed:
        log(f"{have:,} seeded holders already there: not seeding (--reseed / RESEED=1 to redo)")
        seed_note = f"reused an earlier seed of {have:,} holders"
        earlier = json.loads(seed_log.read_text()) if seed_log.exists() else {}
        if earlier.get("holders") == have:
            seed_note += f" (seed_scale took {earlier['seconds']:.0f} s on {earlier['date']})"
        return seed_note + "."
    log(f"seed_scale --holders {args.holders} (the database holds {have:,} seeded holders)")
    started = time.monotonic()
    manage(env, deadline, "seed_scale", "--holders", str(args.holders), timeout=20 * 60)
    seconds = time.monotonic() - started
    seed_log.write_text(
        json.dumps(
            {
                "holders": args.holders,
                "seconds": seconds,
                "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            }
        )
    )
    return f"seed_scale --holders {args.holders} took {seconds:.0f} s."


def load_pages(prepared, args, env, deadline, wrk):
    """Each reference and page under load from gunicorn; returns how many were skipped."""
    failures = 0
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
    return failures


def timed_steps(results, only, env, deadline):
    """issue_invoices, the reminder sweep and the PDFs, each in its own process; returns how
    many failed."""
    failures = 0
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
    return failures


if __name__ == "__main__":
    sys.exit(main())
