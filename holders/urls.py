from django.urls import path

from . import views

app_name = "holders"

urlpatterns = [
    path("profile/", views.contact_details_view, name="profile"),
    path("profile/email/confirm/<str:token>/", views.email_confirm_view, name="email_confirm"),
    path("profile/email/resend/", views.email_resend_view, name="email_resend"),
    path("profile/email/cancel/", views.email_cancel_view, name="email_cancel"),
]
