from django.urls import path

from core import converters  # noqa: F401 (registers the year, code and token converters)

from . import views

app_name = "payments"

urlpatterns = [
    path("", views.history_view, name="history"),
    path("invoices/<code:number>/", views.invoice_view, name="invoice"),
    path("invoices/<code:number>/pay/", views.pay_view, name="pay"),
    path("invoices/<code:number>/test-checkout/", views.test_checkout_view, name="test_checkout"),
    path("invoices/<code:number>/paid/", views.paid_view, name="paid"),
    path("invoices/<code:number>/cancelled/", views.cancelled_view, name="cancelled"),
    path("receipts/<code:receipt_number>/", views.receipt_view, name="receipt"),
    path("stripe/webhook/", views.stripe_webhook_view, name="stripe_webhook"),
]
