from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("", views.history_view, name="history"),
    path("invoices/<str:number>/pay/", views.pay_view, name="pay"),
    path("invoices/<str:number>/test-checkout/", views.test_checkout_view, name="test_checkout"),
    path("invoices/<str:number>/paid/", views.paid_view, name="paid"),
    path("invoices/<str:number>/cancelled/", views.cancelled_view, name="cancelled"),
    path("receipts/<str:receipt_number>/", views.receipt_view, name="receipt"),
    path("stripe/webhook/", views.stripe_webhook_view, name="stripe_webhook"),
]
