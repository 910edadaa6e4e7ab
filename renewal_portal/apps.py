from django.apps import AppConfig


class RenewalPortalConfig(AppConfig):
    name = "renewal_portal"
    verbose_name = "Renewal portal"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        # tasks: registers the Celery tasks that reminders.py queues by name.
        from . import checks, tasks  # noqa: F401
        from .middleware import remember_login_time

        user_logged_in.connect(remember_login_time, dispatch_uid="remember_login_time")
