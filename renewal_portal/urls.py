from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from cecs.ledger import views as cecs_ledger_views
from core import views as core_views
from credentials import views as credentials_views

from . import audit, dashboard, overview_views, views

# The admin signs in through allauth: the same throttling, and the second factor.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "AASC credential renewals"
admin.site.site_title = "AASC renewals admin"
# The lists get the whole width at 1280 px (status and dates stay in view); staff move
# between lists from the home page's queues and the breadcrumbs.
admin.site.enable_nav_sidebar = False
admin.site.index_title = "Renewal administration"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("healthz", views.health_view, name="health"),
    path("accounts/", include("allauth.urls")),
    path("holder/", include("holders.urls")),
    path("renewal/", dashboard.dashboard_view, name="dashboard"),
    path("credentials/", include("credentials.urls")),
    path("cecs/", include("cecs.urls")),
    path("payments/", include("payments.urls")),
    # Help pages, public; each app answers from its own data.
    path("help/contact/", core_views.contact_view, name="help_contact"),
    path("help/faq/", core_views.faq_view, name="help_faq"),
    path("help/cec-requirements/", credentials_views.requirements_view, name="help_requirements"),
    path("help/what-counts/", cecs_ledger_views.what_counts_view, name="help_what_counts"),
    path("admin/holder-audit/<int:pk>/", audit.holder_audit_view, name="holder_audit"),
    path("admin/cycle-overview/", overview_views.cycle_overview_view, name="cycle_overview"),
    path(
        "admin/cycle-overview/csv/",
        overview_views.cycle_overview_csv_view,
        name="cycle_overview_csv",
    ),
    path("admin/", admin.site.urls),
]
