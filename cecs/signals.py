from core.page_cache import watch_reference_data

from .models import AascClass, ActivityKind

# Holder pages show activity kinds' names and classes' titles (core.page_cache).
watch_reference_data(ActivityKind, AascClass)
