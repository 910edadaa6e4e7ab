"""Settings for `make bench` only (bench/run.py sets DJANGO_SETTINGS_MODULE=bench.settings for
the seeder, the steps and gunicorn): the portal's own settings, read from the same
environment, plus the bench app (`seed_scale`) and a URLconf that adds the reference pages.

`manage.py check --deploy` warns (renewal_portal.W004) when these are used for a deployment:
the reference pages answer anonymous requests with holders' names."""

from renewal_portal.settings import *  # noqa: F403
from renewal_portal.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
