"""Django's admin app with the portal's admin site (renewal_portal.admin_site) as
`admin.site`. Its own module: an AppConfig module is imported before the models are."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "renewal_portal.admin_site.PortalAdminSite"
