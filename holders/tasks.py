from core.mail_tasks import mail_task


@mail_task(name="holders.email_confirmation_send")
def email_confirmation_send_task(holder_id, email):
    """Mail the link that confirms a holder's new contact email to that address."""
    from .services import email_confirmation_send

    return email_confirmation_send(holder_id=holder_id, email=email)
