from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Installed by bench/settings.py only: `manage.py seed_scale` and the /__bench__/ pages."""

    name = "bench"
    verbose_name = "Benchmark (make bench only)"
