"""The admin site: Django's, with the list of apps built only for a page that shows it."""

from django.contrib import admin
from django.utils.functional import SimpleLazyObject


class PortalAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        # Django's each_context builds it for every admin page, for the navigation sidebar,
        # which is off here (urls.py); only the home and app pages show it. Building it
        # took 12-15 % of a changelist's time (bench/findings.md).
        return SimpleLazyObject(
            lambda: super(PortalAdminSite, self).get_app_list(request, app_label)
        )
