from django.apps import AppConfig


class CecsConfig(AppConfig):
    name = "cecs"
    verbose_name = "CECs"

    def ready(self):
        from . import signals  # noqa: F401
