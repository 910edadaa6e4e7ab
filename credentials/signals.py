from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.page_cache import watch_reference_data

from .models import CecRequirement, CredentialType, RenewalCycle
from .selectors import forget_current_cycle


@receiver([post_save, post_delete], sender=RenewalCycle, dispatch_uid="forget_current_cycle")
def cycle_changed(sender, **kwargs):
    # Now, for the rest of this transaction, and again once it commits, in case another
    # request cached the old row in between.
    forget_current_cycle()
    transaction.on_commit(forget_current_cycle)


# Holder pages show credential types, requirements and the cycle (core.page_cache).
watch_reference_data(CredentialType, CecRequirement, RenewalCycle)
