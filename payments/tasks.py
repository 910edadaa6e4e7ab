from smtplib import SMTPException

from celery import shared_task


@shared_task(
    name="payments.receipt",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    max_retries=5,
)
def payment_receipt_task(payment_id):
    """Email the holder a receipt with the PDF attached."""
    from .receipts import payment_receipt_send

    payment_receipt_send(payment_id=payment_id)
