from django.apps import AppConfig


class CoreConfig(AppConfig):
    """A Django app only so that core/templatetags/ is a template tag library (Django finds
    those in installed apps). No models, and it imports no project app."""

    name = "core"
    verbose_name = "Core"
