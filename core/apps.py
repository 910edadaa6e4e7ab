from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: core/templatetags/ is a template tag library (Django finds those in
    installed apps), and its models are what the association says about itself (contact
    details, FAQ). It imports no project app."""

    name = "core"
    verbose_name = "AASC office and help pages"
