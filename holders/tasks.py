from core.mail_tasks import mail_task


@mail_task(name="holders.email_confirmation_send")
def email_confirmation_send_task(holder_id, email):
    """Mail the link that confirms a holder's new contact email to that address."""
    from .services import email_confirmation_send

    return email_confirmation_send(holder_id=holder_id, email=email)


@mail_task(name="holders.record_claim_process")
def record_claim_process_task(account_id, number, last_name, zip_code, lost_email_access):
    """Look for the record someone asked to claim; mail its address or file a link request."""
    from .record_claims import record_claim_process

    return record_claim_process(
        account_id=account_id,
        number=number,
        last_name=last_name,
        zip_code=zip_code,
        lost_email_access=lost_email_access,
    )


@mail_task(name="holders.record_link_decision_send")
def record_link_decision_send_task(link_request_id):
    """Tell the person AASC's decision on their link request, at their account's address."""
    from .record_claims import record_link_decision_send

    return record_link_decision_send(link_request_id=link_request_id)
