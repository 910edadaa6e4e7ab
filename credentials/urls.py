from django.urls import path

from core import converters  # noqa: F401 (registers the year, code and token converters)

from . import verification, views

app_name = "credentials"

urlpatterns = [
    path("invoices/<code:number>/pdf/", views.invoice_pdf_view, name="invoice_pdf"),
    path("verify/", verification.verify_view, name="verify"),
    path(
        "verify/<int:pk>/<token:signature>/",
        verification.verify_credential_view,
        name="verify_credential",
    ),
    path("<int:pk>/renewal-card/", views.renewal_card_view, name="renewal_card"),
]
