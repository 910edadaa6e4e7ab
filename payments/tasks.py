from core.mail_tasks import mail_task


@mail_task(name="payments.receipt")
def payment_receipt_task(payment_id):
    """Email the holder a receipt with the PDF attached."""
    from .receipts import payment_receipt_send

    payment_receipt_send(payment_id=payment_id)
