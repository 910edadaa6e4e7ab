"""Every task that sends mail retries a refusing or unreachable mail server alike."""

from smtplib import SMTPServerDisconnected

import pytest
from celery import current_app

from core.mail_tasks import MAIL_ERRORS

MAIL_TASKS = [
    "cecs.reporting_form_notify",
    "cecs.submission_notify",
    "cecs.entry_corrected_notify",
    "payments.receipt",
    "reminders.send",
    "reminders.manual",
]


@pytest.mark.parametrize("name", MAIL_TASKS)
def test_mail_tasks_retry_mail_server_failures_five_times(name):
    # Run alone, nothing has imported the apps' tasks modules yet: load them as a worker does.
    current_app.loader.import_default_modules()
    task = current_app.tasks[name]
    assert task.autoretry_for == MAIL_ERRORS
    assert issubclass(SMTPServerDisconnected, task.autoretry_for)
    assert task.max_retries == 5
    assert task.retry_backoff >= 30
