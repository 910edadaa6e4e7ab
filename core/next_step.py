"""What the holder should do next: in one sentence, for mail that apps below the composition
send (the payment receipt, NAAEI's approval), and as a heading, a sentence and a button for
pages those apps show once a step is done (contact details confirmed, a payment received, a
form verified). The answer is the renewal-progress model's, which sits above them, so the
composition names it in settings.RENEWAL_NEXT_STEP and RENEWAL_NEXT_ACTION rather than being
imported from down here."""

from django.conf import settings
from django.utils.module_loading import import_string


def renewal_next_step(*, invoice):
    return import_string(settings.RENEWAL_NEXT_STEP)(invoice=invoice)


def renewal_next_action(*, holder):
    """The holder's next step for the current renewal (an object with heading, detail,
    label and url, for templates/_next_action.html), or None when they renew nothing."""
    return import_string(settings.RENEWAL_NEXT_ACTION)(holder=holder)
