from django.db.models.signals import post_delete, post_save

from core.page_cache import reference_data_changed

from .models import AascClass, ActivityKind

# Holder pages show activity kinds' names and classes' titles (core.page_cache).
for model in (ActivityKind, AascClass):
    for signal in (post_save, post_delete):
        signal.connect(
            reference_data_changed, sender=model, dispatch_uid=f"page-cache-{model.__name__}"
        )
