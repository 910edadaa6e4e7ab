import datetime
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cecs.ledger.services import entry_create
from cecs.models import Source
from cecs.submissions.services import submission_create
from credentials.models import ReminderLog, RenewalInvoice
from credentials.services import invoices_issue
from renewal_portal.reminders import reminders_sweep
from renewal_portal.tasks import reminder_send_task
from tests.concurrency import run_together
from tests.factories import holder_with

pytestmark = pytest.mark.django_db

DENVER = ZoneInfo("America/Denver")
ISSUED_AT = datetime.datetime(2026, 11, 1, 10, 0, tzinfo=DENVER)


def issue(cycle, count=1, codes=("CAM", "NALP")):
    holders = [holder_with(*codes) for _ in range(count)]
    invoices_issue(cycle=cycle, now=ISSUED_AT)
    return [RenewalInvoice.objects.get(holder=holder) for holder in holders]


def sweep(day, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return reminders_sweep(today=day, **kwargs)


def stages_sent(invoice):
    return sorted(invoice.reminders.values_list("stage__code", flat=True))


@pytest.mark.parametrize(
    ("day", "stage"),
    [
        (datetime.date(2026, 10, 31), None),  # before the invoice exists
        (datetime.date(2026, 11, 1), "issued"),
        (datetime.date(2026, 12, 1), "issued"),  # 31 days before: not yet the 30-day one
        (datetime.date(2026, 12, 2), "due-30"),  # 30 days before
        (datetime.date(2026, 12, 24), "due-30"),  # 8 days before
        (datetime.date(2026, 12, 25), "due-7"),
        (datetime.date(2027, 1, 1), "due-day"),
        (datetime.date(2027, 3, 23), "due-day"),
        (datetime.date(2027, 3, 24), "grace-final"),
        (datetime.date(2027, 3, 31), "grace-final"),
        (datetime.date(2027, 4, 1), None),  # after grace: lapsed, no reminder
    ],
)
def test_the_latest_stage_reached_is_sent(cycle, django_capture_on_commit_callbacks, day, stage):
    [invoice] = issue(cycle)
    result = sweep(day, django_capture_on_commit_callbacks)
    assert stages_sent(invoice) == ([stage] if stage else [])
    assert result.total == (1 if stage else 0)
    assert len(mail.outbox) == (1 if stage else 0)


def test_each_stage_once_through_the_season(cycle, django_capture_on_commit_callbacks):
    [invoice] = issue(cycle)
    day = datetime.date(2026, 11, 1)
    while day <= datetime.date(2027, 4, 5):
        sweep(day, django_capture_on_commit_callbacks)
        day += datetime.timedelta(days=1)
    assert stages_sent(invoice) == ["due-30", "due-7", "due-day", "grace-final", "issued"]
    assert len(mail.outbox) == 5
    assert set(ReminderLog.objects.values_list("status", flat=True)) == {"sent"}


def test_the_reminder_says_what_is_missing(cycle, django_capture_on_commit_callbacks):
    [invoice] = issue(cycle)
    entry_create(
        holder=invoice.holder,
        title="Class",
        provider="AASC",
        earned_on=datetime.date(2026, 3, 3),
        hours=Decimal(3),
        source=Source.AASC_CLASS,
    )
    sweep(datetime.date(2026, 12, 2), django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == [invoice.holder.email]
    assert "due January 1" in message.subject
    assert f"Pay invoice {invoice.number}: $220.00" in message.body
    assert "Earn 5 more CECs dated in 2026 (you have 3 of 8; at least 2 must be in-network" in (
        message.body
    )
    assert "/renewal/" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_complete_renewals_and_holders_waiting_on_naaei_get_nothing(
    cycle, django_capture_on_commit_callbacks
):
    complete, waiting, owes_cecs = issue(cycle, count=3)
    RenewalInvoice.objects.filter(pk=complete.pk).update(status="paid", completed_at=ISSUED_AT)
    RenewalInvoice.objects.filter(pk__in=[waiting.pk, owes_cecs.pk]).update(status="paid")
    entry_create(
        holder=waiting.holder,
        title="Class",
        provider="AASC",
        earned_on=datetime.date(2026, 3, 3),
        hours=Decimal(8),
        source=Source.AASC_CLASS,
    )
    submission_create(holder=waiting.holder, cycle=cycle, actor=waiting.holder.user)

    sweep(datetime.date(2026, 12, 2), django_capture_on_commit_callbacks)

    assert [m.to for m in mail.outbox] == [[owes_cecs.holder.email]]
    assert "Pay invoice" not in mail.outbox[0].body
    assert "Earn 8 more CECs" in mail.outbox[0].body


def test_two_sweeps_send_nothing_twice(cycle, django_capture_on_commit_callbacks):
    issue(cycle, count=3)
    first = sweep(datetime.date(2026, 11, 2), django_capture_on_commit_callbacks)
    second = sweep(datetime.date(2026, 11, 2), django_capture_on_commit_callbacks)
    assert (first.total, second.total) == (3, 0)
    assert len(mail.outbox) == 3


def test_a_task_run_ten_times_and_once_more_sends_once(cycle, django_capture_on_commit_callbacks):
    issue(cycle)
    with django_capture_on_commit_callbacks(execute=False):
        result = reminders_sweep(today=datetime.date(2026, 11, 2))
    [log_id] = result.log_ids
    outcomes = [reminder_send_task.delay(log_id).get() for _ in range(11)]
    assert outcomes.count("sent") == 1
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.get().attempts == 1


def test_a_sender_that_died_mid_send_is_retried_after_its_lease(
    cycle, django_capture_on_commit_callbacks
):
    from renewal_portal.reminders import reminder_take

    issue(cycle)
    with django_capture_on_commit_callbacks(execute=False):
        [log_id] = reminders_sweep(today=datetime.date(2026, 11, 2)).log_ids
    taken = reminder_take(log_id=log_id)  # a worker took it, then was killed
    assert taken is not None
    assert reminder_send_task.delay(log_id).get() == "nothing to do"  # lease still held

    later = taken.lease_expires_at + datetime.timedelta(seconds=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        result = reminders_sweep(today=datetime.date(2026, 11, 2))
    assert result.requeued == 1
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.get().status == "sent"


def test_a_lost_task_is_queued_again(cycle, django_capture_on_commit_callbacks):
    issue(cycle)
    with django_capture_on_commit_callbacks(execute=False):  # the enqueue never happened
        reminders_sweep(today=datetime.date(2026, 11, 2))
    assert ReminderLog.objects.get().status == "claimed"
    an_hour_later = datetime.datetime(2026, 11, 2, 12, tzinfo=DENVER) + datetime.timedelta(hours=1)
    log = ReminderLog.objects.get()
    log.claimed_at = an_hour_later - datetime.timedelta(hours=2)
    log.save()
    result = sweep(
        datetime.date(2026, 11, 2), django_capture_on_commit_callbacks, now=an_hour_later
    )
    assert result.requeued == 1
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_is_retried_then_shown_to_staff(
    cycle, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.renewal_portal.failing_mail.FailingBackend"
    issue(cycle)
    with django_capture_on_commit_callbacks(execute=False):
        [log_id] = reminders_sweep(today=datetime.date(2026, 11, 2)).log_ids
    # Eagerly, Celery runs the retries at once: 1 try + 5 retries, then gives up.
    from renewal_portal.celery import app

    app.conf.task_eager_propagates = False
    try:
        outcome = reminder_send_task.apply(args=[log_id])
    finally:
        app.conf.task_eager_propagates = True
    assert outcome.failed()
    log = ReminderLog.objects.get()
    assert log.status == "failed"
    assert "connection refused" in log.last_error
    assert log.attempts == 6

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from renewal_portal.reminders import reminder_resend
    from tests.factories import staff_user

    with django_capture_on_commit_callbacks(execute=True):
        reminder_resend(log=log, actor=staff_user())
    log.refresh_from_db()
    assert log.status == "sent"
    assert len(mail.outbox) == 1
    assert log.history.filter(history_change_reason="resent by staff").exists()


def test_sweep_query_count_does_not_depend_on_the_number_of_invoices(cycle):
    def queries(count):
        issue(cycle, count=count)
        ReminderLog.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            reminders_sweep(today=datetime.date(2026, 11, 2))
        return len(captured)

    assert queries(2) == queries(25)


def test_dry_run_claims_nothing(cycle, capsys):
    from django.core.management import call_command

    issue(cycle, count=2)
    call_command("send_renewal_reminders", "--dry-run", "--date", "2026-11-02")
    assert "Would send 2 reminder(s)." in capsys.readouterr().out
    assert not ReminderLog.objects.exists()


def test_the_command_sends_and_reports(cycle, capsys):
    from django.core.management import call_command

    issue(cycle)
    call_command("send_renewal_reminders", "--date", "2026-11-02")
    assert "Queued 1 reminder(s)." in capsys.readouterr().out


def test_a_bad_date_is_reported(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_renewal_reminders", "--date", "02/11/2026")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_claim_each_reminder_once(cycle):
    issue(cycle, count=40)
    results, errors = run_together(
        lambda: reminders_sweep(today=datetime.date(2026, 11, 2), batch_size=7), 2
    )
    totals = [result.total for result in results]
    assert errors == []
    assert sum(totals) == 40
    assert ReminderLog.objects.count() == 40
    assert len(mail.outbox) == 40
    assert len({tuple(m.to) for m in mail.outbox}) == 40


@pytest.mark.django_db(transaction=True)
def test_a_reminder_travels_through_a_real_worker_on_redis(cycle):
    """End to end on the real broker: the sweep claims, the task goes through Redis, a
    Celery worker thread sends the mail and marks the claim sent."""
    import os

    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    from renewal_portal.celery import app as project_app

    [invoice] = issue(cycle)
    broker = Celery("renewal_portal_reminder_test")
    broker.config_from_object("django.conf:settings", namespace="CELERY")
    broker.conf.update(broker_url=os.environ["REDIS_URL"], task_always_eager=False)
    broker.set_current()  # shared tasks now publish through Redis
    try:
        with start_worker(broker, pool="solo", perform_ping_check=False):
            result = reminders_sweep(today=datetime.date(2026, 11, 2))
            assert result.total == 1
            log = ReminderLog.objects.get()
            for _ in range(100):
                log.refresh_from_db()
                if log.status == ReminderLog.Status.SENT:
                    break
                time.sleep(0.1)
    finally:
        project_app.set_current()
        broker.close()
    assert log.status == ReminderLog.Status.SENT
    assert [m.to for m in mail.outbox] == [[invoice.holder.email]]


def test_every_step_of_a_reminder_is_in_its_history(cycle, django_capture_on_commit_callbacks):
    """The sweep's bulk claim and the conditional lease updates bypass simple-history's
    signals; each still leaves a row saying what happened and when."""
    [invoice] = issue(cycle)
    sweep(datetime.date(2026, 11, 1), django_capture_on_commit_callbacks)
    log = ReminderLog.objects.get(invoice=invoice)
    steps = [
        (row.history_type, row.status, row.history_change_reason)
        for row in log.history.order_by("history_id")
    ]
    assert steps == [
        ("+", "claimed", "claimed by the reminder sweep"),
        ("~", "sending", "taken for sending"),
        ("~", "sent", None),
    ]


def test_a_failed_send_is_in_the_history_too(cycle):
    from renewal_portal.reminders import reminder_release, reminder_take

    [invoice] = issue(cycle)
    reminders_sweep(today=datetime.date(2026, 11, 1))
    log = reminder_take(log_id=ReminderLog.objects.get(invoice=invoice).pk)
    reminder_release(log=log, error=ConnectionError("SMTP down"))
    latest = log.history.latest("history_id")
    assert (latest.status, latest.history_change_reason) == ("claimed", "send failed; queued again")
    assert latest.last_error == "SMTP down"


def test_a_holder_without_a_verified_email_is_marked_not_sent(
    cycle, django_capture_on_commit_callbacks
):
    [invoice] = issue(cycle)
    holder = invoice.holder
    holder.email_verified = False  # typed by the holder, never confirmed
    holder.save(update_fields=["email_verified"])
    EmailAddress.objects.filter(user=holder.user).update(verified=False)
    sweep(datetime.date(2026, 11, 1), django_capture_on_commit_callbacks)
    log = ReminderLog.objects.get(invoice=invoice)
    assert log.status == ReminderLog.Status.SKIPPED
    assert log.sent_to == ""
    assert mail.outbox == []
    assert log.get_status_display() == "Not sent: no verified email"
