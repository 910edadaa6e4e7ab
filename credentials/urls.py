from django.urls import path

from core import converters  # noqa: F401 (registers the year, code and token converters)

from . import verification, views

app_name = "credentials"

urlpatterns = [
    path("invoices/<code:number>/pdf/", views.invoice_pdf_view, name="invoice_pdf"),
    path("verify/", verification.verify_view, name="verify"),
]
