"""Test-only hooks for a real Celery worker: stop a reminder send at an exact point so
tests/renewal_portal/test_reminder_worker_kill.py can SIGKILL the process there.

The product never imports this module. That test starts the worker with
`--include tests.renewal_portal.worker_pause_hooks` and REMINDER_TEST_PAUSE_DIR set; without
that variable the module does nothing. In the pause directory:

- the test creates `arm-<point>`; the first task to reach an armed point renames it (one
  task wins each arm), writes "<pid> <log id>" to `hit-<point>` and sleeps until killed;
- every finished reminders.send execution appends "<log id> <outcome>" to `outcomes.log`.

With REMINDER_TEST_HOLD_FILE set, the worker loads everything (Django, the tasks) and then
waits for that file before it starts its pool and takes messages: a replacement worker
can boot while the test is still busy with the one it is about to kill.

The points are the three places a kill matters: before the task takes its lease
(`before_claim`), after the lease but before the mail (`before_send`), and after the mail
left but before the row says sent (`after_send`).
"""

import os
import time

from celery.signals import task_postrun, worker_init, worker_process_init

PAUSE_DIR = os.environ.get("REMINDER_TEST_PAUSE_DIR", "")
HOLD_FILE = os.environ.get("REMINDER_TEST_HOLD_FILE", "")
# A paused child that the test never killed (the test itself died) must not go on to
# send mail the test no longer counts: it exits instead, after this long.
LONGEST_PAUSE_SECONDS = 60


def pause_at(point, log_id):
    armed = os.path.join(PAUSE_DIR, f"arm-{point}")
    writing = os.path.join(PAUSE_DIR, f"writing-{point}")
    try:
        os.rename(armed, writing)  # atomic: exactly one task takes each arm
    except FileNotFoundError:
        return
    with open(writing, "w") as marker:
        marker.write(f"{os.getpid()} {log_id}\n")
    # The test sees the marker only once it is complete.
    os.rename(writing, os.path.join(PAUSE_DIR, f"hit-{point}"))
    time.sleep(LONGEST_PAUSE_SECONDS)
    os._exit(1)


def _install():
    # Imported here: Django is set up by the time a pool process starts.
    from renewal_portal import reminder_content, reminders

    take = reminders.reminder_take
    send = reminder_content.send_reminder
    mark_sent = reminders.reminder_mark_sent

    # renewal_portal.tasks imports these names when each task runs, so it gets these.
    def reminder_take(*, log_id, **kwargs):
        pause_at("before_claim", log_id)
        return take(log_id=log_id, **kwargs)

    def send_reminder(*, log):
        pause_at("before_send", log.pk)
        return send(log=log)

    def reminder_mark_sent(*, log, **kwargs):
        pause_at("after_send", log.pk)
        return mark_sent(log=log, **kwargs)

    reminders.reminder_take = reminder_take
    reminder_content.send_reminder = send_reminder
    reminders.reminder_mark_sent = reminder_mark_sent


@worker_init.connect
def _hold_until_released(**kwargs):
    deadline = time.monotonic() + LONGEST_PAUSE_SECONDS
    while HOLD_FILE and not os.path.exists(HOLD_FILE):
        if time.monotonic() > deadline:
            os._exit(1)
        time.sleep(0.05)


@worker_process_init.connect
def _pool_process_started(**kwargs):
    if PAUSE_DIR:
        _install()


@task_postrun.connect
def _record_outcome(sender=None, args=None, retval=None, **kwargs):
    if PAUSE_DIR and sender is not None and sender.name == "reminders.send":
        line = f"{args[0]} {str(retval).replace(' ', '_')}\n"
        # One short O_APPEND write: lines from several pool processes do not interleave.
        descriptor = os.open(
            os.path.join(PAUSE_DIR, "outcomes.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND
        )
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)
