"""Reminders survive a real worker being SIGKILLed (OOM killer, node loss) at the three
points that matter: before the send task takes its lease, between the lease and the mail,
and after the mail left but before the row says sent.

A real `celery worker` process (prefork, on Redis, on this test's PostgreSQL database)
sends the reminders; tests/renewal_portal/worker_pause_hooks.py stops one task at each
point and the test kills the process there. Mail goes to the file backend in a temporary
folder, so the test counts what the worker process really sent.

What brings a reminder back, as the product relies on it:
- a killed pool child: the main process sees WorkerLostError and, with task_acks_late and
  task_reject_on_worker_lost, puts the message back on the queue at once;
- a killed worker (main process and children): its messages stay unacked in Redis until
  the 2 h visibility timeout, so the next sweep queues the claims again (a claim never
  taken after STALE_CLAIM, a lease that ran out);
- a task redelivered while the lease is held does nothing, so a lease taken by the killed
  process is sent again by the sweep once it ends (or by the redelivery, if that comes
  later than the lease).

The worker runs with a 3 s lease (REMINDER_LEASE_SECONDS) instead of 10 min. The sweeps
the test runs stand for Beat's next runs of the daily sweep, so they are given a clock
STALE_CLAIM ahead; the worker keeps the real clock.
"""

import contextlib
import datetime
import email
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from credentials.models import ReminderLog, ReminderStage, RenewalInvoice
from credentials.services import cycle_get_or_create, invoices_issue
from renewal_portal.reminders import STALE_CLAIM, reminder_take, reminders_sweep
from tests.factories import holder_with

pytestmark = pytest.mark.django_db(transaction=True)

DENVER = ZoneInfo("America/Denver")
ISSUED_AT = datetime.datetime(2026, 11, 1, 10, 0, tzinfo=DENVER)
SWEEP_DAY = datetime.date(2026, 11, 2)  # the "issued" reminder is due
POINTS = ("before_claim", "before_send", "after_send")
INVOICES = 6  # 3 stopped at a point, 3 sent around them
LEASE_SECONDS = 3
WAIT_SECONDS = 40  # every wait is bounded by this


def broker_url():
    """Redis database 7 of the test Redis, by default: queues of its own, so a worker
    here never takes another test's messages. REMINDER_KILL_BROKER_URL overrides it."""
    if "REMINDER_KILL_BROKER_URL" in os.environ:
        return os.environ["REMINDER_KILL_BROKER_URL"]
    parts = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    return urlunsplit(parts._replace(path="/7"))


def worker_database_url():
    """The database pytest-django made (test_<name>), for the worker process."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, what, worker=None):
    deadline = time.monotonic() + WAIT_SECONDS
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(
                f"gave up after {WAIT_SECONDS} s waiting for {what}"
                + (f"\n--- worker log ---\n{worker.log_tail()}" if worker else "")
            )
        time.sleep(0.1)
    return value


class Worker:
    """One `celery worker` process group; killed for good in the test's finally."""

    def __init__(self, *, env, queue, log_path):
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "renewal_portal",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=3",
                    "-Q",
                    queue,
                    "-n",
                    f"{queue}-{uuid.uuid4().hex[:6]}@%h",
                    "--include",
                    "tests.renewal_portal.worker_pause_hooks",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, children included
            )

    def kill_all(self):
        """SIGKILL the main process and every pool child at once (a lost machine). The
        group outlives its leader while a child lives, so this also reaches orphans."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=WAIT_SECONDS)

    def log_tail(self):
        return self.log_path.read_text(errors="replace")[-4000:]


class Broker:
    """What Redis holds for our queue: waiting messages and delivered-but-unacked ones."""

    def __init__(self, url, queue):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.queue = queue

    def unacked_tags(self):
        tags = set()
        for tag, raw in self.redis.hgetall("unacked").items():
            _message, _exchange, routing_key = json.loads(raw)
            if routing_key == self.queue:
                tags.add(tag.decode())
        return tags

    def idle(self, ignoring=frozenset()):
        return self.redis.llen(self.queue) == 0 and not (self.unacked_tags() - ignoring)

    def clean_up(self):
        for tag in self.unacked_tags():
            self.redis.hdel("unacked", tag)
            self.redis.zrem("unacked_index", tag)
        # The queue and kombu's record of its exchange binding.
        self.redis.delete(
            self.queue,
            f"_kombu.binding.{self.queue}",
            f"_kombu.binding_permanent.{self.queue}",
        )


@pytest.fixture
def queue():
    return f"reminder-kill-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def publisher(queue):
    """Shared tasks publish through Redis to our queue (the suite runs them eagerly)."""
    from celery import Celery

    from renewal_portal.celery import app as project_app

    app = Celery("renewal_portal_kill_test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=broker_url(), task_always_eager=False, task_default_queue=queue)
    app.set_current()
    yield app
    project_app.set_current()
    app.close()


@pytest.fixture
def broker(queue):
    broker = Broker(broker_url(), queue)
    yield broker
    broker.clean_up()


@pytest.fixture
def worker_env(tmp_path):
    mail_dir = tmp_path / "mail"
    pause_dir = tmp_path / "pause"
    mail_dir.mkdir()
    pause_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_ENV_FILE": str(settings.BASE_DIR / "tests" / "test.env"),
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": broker_url(),
        # The file backend, into this test's folder (the leading "/" is eaten by the parser).
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
        "REMINDER_TEST_PAUSE_DIR": str(pause_dir),
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    return env, mail_dir, pause_dir


def mails_to(mail_dir):
    """Recipient → number of messages the worker wrote (one file may hold several)."""
    counts = {}
    separator = b"\n" + b"-" * 79 + b"\n"
    for path in mail_dir.iterdir():
        for chunk in path.read_bytes().split(separator):
            if chunk.strip():
                to = email.message_from_bytes(chunk)["To"]
                counts[to] = counts.get(to, 0) + 1
    return counts


def outcomes(pause_dir):
    path = pause_dir / "outcomes.log"
    lines = path.read_text().split("\n") if path.exists() else []
    runs = {}
    for line in filter(None, lines):
        log_id, outcome = line.split(" ", 1)
        runs.setdefault(int(log_id), []).append(outcome)
    return runs


def next_sweep():
    """Beat's next run of the daily sweep: claims none, queues the stalled ones again."""
    return reminders_sweep(today=SWEEP_DAY, now=timezone.now() + STALE_CLAIM)


def leases_expired():
    return not ReminderLog.objects.filter(
        status=ReminderLog.Status.SENDING, lease_expires_at__gte=timezone.now()
    ).exists()


@pytest.mark.parametrize("target", ["pool child", "whole worker"])
def test_reminders_survive_a_sigkill_at_each_point(
    target, queue, publisher, broker, worker_env, tmp_path
):
    env, mail_dir, pause_dir = worker_env
    cycle = cycle_get_or_create(year=2027)
    for _ in range(INVOICES):
        holder_with("CAM", "NALP")
    invoices_issue(cycle=cycle, now=ISSUED_AT)
    email_of = dict(RenewalInvoice.objects.values_list("pk", "holder__email"))
    for point in POINTS:
        (pause_dir / f"arm-{point}").touch()

    workers = []
    try:
        workers.append(Worker(env=env, queue=queue, log_path=tmp_path / "worker.log"))
        if target == "whole worker":
            # The replacement boots meanwhile (2 cores: it takes seconds), then waits.
            release = pause_dir / "release-replacement"
            replacement_env = {**env, "REMINDER_TEST_HOLD_FILE": str(release)}
            workers.append(
                Worker(env=replacement_env, queue=queue, log_path=tmp_path / "worker-2.log")
            )
        assert reminders_sweep(today=SWEEP_DAY).total == INVOICES
        stopped = {}  # point → (pid, log id)
        for point in POINTS:
            hit = pause_dir / f"hit-{point}"
            wait_for(hit.exists, f"a task to stop {point}", workers[0])
            pid, log_id = hit.read_text().split()
            stopped[point] = (int(pid), int(log_id))

        stuck = frozenset()
        if target == "pool child":
            for pid, _log_id in stopped.values():
                os.kill(pid, signal.SIGKILL)
        else:
            workers[0].kill_all()
            # Their messages now wait out the visibility timeout (2 h) in Redis.
            stuck = frozenset(broker.unacked_tags())
            assert len(stuck) >= len(POINTS)
            release.touch()  # the new worker starts taking messages

        # Beat runs the sweep again once the broker has nothing left for us to do and
        # every lease has run out. A stopped reminder still unsent then is one the
        # sweep brought back; one sent before is one Celery's redelivery brought back.
        sweeps = requeued = 0
        recovered_by = dict.fromkeys(POINTS, "redelivery")
        deadline = time.monotonic() + WAIT_SECONDS
        while ReminderLog.objects.exclude(status=ReminderLog.Status.SENT).exists():
            if time.monotonic() > deadline:
                pytest.fail(f"reminders not all sent\n{workers[-1].log_tail()}")
            if broker.idle(ignoring=stuck) and leases_expired():
                unsent = set(
                    ReminderLog.objects.exclude(status=ReminderLog.Status.SENT).values_list(
                        "pk", flat=True
                    )
                )
                for point, (_pid, log_id) in stopped.items():
                    if log_id in unsent:
                        recovered_by[point] = "sweep"
                requeued += next_sweep().requeued
                sweeps += 1
            time.sleep(0.2)

        # Every message handled and acked (so the task runs are all recorded) before the end.
        wait_for(lambda: broker.idle(ignoring=stuck), "the last acks", workers[-1])
        if stuck:
            # The visibility timeout passes: Redis hands the dead worker's messages out
            # again (kombu's own restore), and the new worker must send nothing more.
            from kombu import Connection

            with Connection(broker_url()) as conn:
                for tag in stuck:
                    conn.default_channel.qos.restore_by_tag(tag)
            wait_for(broker.idle, "the restored messages to be handled", workers[-1])
    finally:
        for worker in workers:
            worker.kill_all()

    sent = mails_to(mail_dir)
    runs = outcomes(pause_dir)
    log_email = {log.pk: email_of[log.invoice_id] for log in ReminderLog.objects.all()}
    figures = {point: sent.get(log_email[log_id], 0) for point, (_pid, log_id) in stopped.items()}
    others = [
        count
        for log_id, to in log_email.items()
        for count in [sent.get(to, 0)]
        if log_id not in {log_id for _pid, log_id in stopped.values()}
    ]
    print(
        f"\nSIGKILL of the {target}: mails per reminder stopped at "
        + ", ".join(f"{point}={count}" for point, count in figures.items())
        + f"; the {len(others)} others: {others}; brought back by {recovered_by}; sweeps"
        f" run {sweeps}, claims requeued {requeued}, messages left unacked {len(stuck)};"
        f" task runs by log: {runs}"
    )
    lost = [log_id for log_id, to in log_email.items() if sent.get(to, 0) == 0]
    assert lost == []
    assert figures["before_claim"] == 1
    assert figures["before_send"] == 1
    assert figures["after_send"] <= 2  # the known window: at most one duplicate
    assert others == [1] * (INVOICES - len(POINTS))
    assert set(sent) == set(log_email.values())
    assert set(ReminderLog.objects.values_list("status", flat=True)) == {"sent"}
    if target == "pool child":
        # task_reject_on_worker_lost put the message back at once: no sweep needed.
        assert recovered_by["before_claim"] == "redelivery"
    else:
        # The dead worker's messages are stuck for 2 h: only the sweep brings them back.
        assert recovered_by == dict.fromkeys(POINTS, "sweep")


def test_the_lease_length_is_a_setting(settings):
    """The worker above runs with a 3 s lease; production keeps 10 minutes by default."""
    assert settings.REMINDER_LEASE_SECONDS == 600
    settings.REMINDER_LEASE_SECONDS = 7
    holder_with("CAM", "NALP")
    invoices_issue(cycle=cycle_get_or_create(year=2027), now=ISSUED_AT)
    log = ReminderLog.objects.create(
        invoice=RenewalInvoice.objects.get(),
        stage=ReminderStage.objects.filter(active=True).first(),
        claim_token=uuid.uuid4(),
        claimed_at=ISSUED_AT,
    )
    taken = reminder_take(log_id=log.pk, now=ISSUED_AT)
    assert taken.lease_expires_at == ISSUED_AT + datetime.timedelta(seconds=7)
