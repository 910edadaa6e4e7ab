from django.urls import path

from . import verification, views

app_name = "credentials"

urlpatterns = [
    path("invoices/<str:number>/", views.invoice_view, name="invoice"),
    path("invoices/<str:number>/pdf/", views.invoice_pdf_view, name="invoice_pdf"),
    path("verify/", verification.verify_view, name="verify"),
]
