from django.urls import path

from . import views

app_name = "holders"

urlpatterns = [
    path("profile/", views.contact_details_view, name="profile"),
]
