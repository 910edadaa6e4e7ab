"""Mail to a holder: only ever at their one verified contact email
(holders.selectors.holder_mail_recipient), through core.emails.send_templated_email."""

import logging

from core.emails import send_templated_email

from .selectors import holder_mail_recipient
from .services import holder_mail_quota_take

logger = logging.getLogger(__name__)


def send_holder_email(*, holder, template, context, attachments=(), holder_triggered=False):
    """Mail `holder` at their verified contact email; returns the address, or None when
    nothing was sent. `holder_triggered` mail (a receipt for something the holder just did)
    counts against settings.HOLDER_MAIL_RATE; over it the mail is skipped, not queued."""
    to = holder_mail_recipient(holder=holder)
    if to is None:
        logger.warning("Not sent (%s): holder %s has no verified email.", template, holder.pk)
        return None
    if holder_triggered and not holder_mail_quota_take(holder=holder).allowed:
        logger.warning("Not sent (%s): holder %s is over HOLDER_MAIL_RATE.", template, holder.pk)
        return None
    send_templated_email(to=to, template=template, context=context, attachments=attachments)
    return to
