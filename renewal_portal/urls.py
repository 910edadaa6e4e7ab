from django.contrib import admin
from django.urls import include, path

from . import dashboard, views

admin.site.site_header = "AASC credential renewals"
admin.site.site_title = "AASC renewals admin"
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
    path("admin/", admin.site.urls),
]
