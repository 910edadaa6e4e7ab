import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renewal_portal.settings")

app = Celery("renewal_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="renewal_portal.ping")
def ping():
    """Round trip used by health checks and the broker test."""
    return "pong"
