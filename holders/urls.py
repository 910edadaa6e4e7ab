from django.urls import path

from . import claim_views, views

app_name = "holders"

urlpatterns = [
    path("profile/", views.contact_details_view, name="profile"),
    path("profile/email/confirm/<str:token>/", views.email_confirm_view, name="email_confirm"),
    path("profile/email/resend/", views.email_resend_view, name="email_resend"),
    path("profile/email/cancel/", views.email_cancel_view, name="email_cancel"),
    path("find-my-record/", claim_views.record_claim_view, name="claim"),
    path("find-my-record/sent/", claim_views.record_claim_sent_view, name="claim_sent"),
    path(
        "find-my-record/confirm/<str:token>/",
        claim_views.record_claim_confirm_view,
        name="claim_confirm",
    ),
]
