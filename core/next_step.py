"""What the holder should do next, in one sentence, for mail that apps below the composition
send (the payment receipt, NAAEI's approval). The answer is the renewal-progress model's,
which sits above them, so the composition names it in settings.RENEWAL_NEXT_STEP rather
than being imported from down here."""

from django.conf import settings
from django.utils.module_loading import import_string


def renewal_next_step(*, invoice):
    return import_string(settings.RENEWAL_NEXT_STEP)(invoice=invoice)
