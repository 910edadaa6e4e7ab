"""The portal's URLconf with the benchmark's reference pages under /__bench__/ (bench/views.py).
Only bench/settings.py points ROOT_URLCONF here."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("__bench__/ok", views.ok_view, name="bench_ok"),
    path("__bench__/rows", views.rows_view, name="bench_rows"),
    path("", include("renewal_portal.urls")),
]
