"""The one retry policy for tasks that send mail: a mail server that refuses or cannot be
reached is tried again, 5 times, backing off from `retry_backoff` seconds."""

from smtplib import SMTPException

from celery import shared_task

MAIL_ERRORS = (SMTPException, OSError)


def mail_task(*, name, retry_backoff=30, **options):
    return shared_task(
        name=name,
        autoretry_for=MAIL_ERRORS,
        retry_backoff=retry_backoff,
        max_retries=5,
        **options,
    )
