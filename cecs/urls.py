from django.urls import path

from . import reporting_views, views

app_name = "cecs"

urlpatterns = [
    path("status/", views.status_view, name="status"),
    path("history/", views.history_view, name="history"),
    path("transcript/<int:year>/pdf/", views.transcript_pdf_view, name="transcript_pdf"),
    path("transcript/<int:year>/csv/", views.transcript_csv_view, name="transcript_csv"),
    path("entries/<int:pk>/certificate/", views.certificate_view, name="certificate"),
    path("forms/", reporting_views.form_list_view, name="forms"),
    path("forms/new/", reporting_views.form_new_view, name="form_new"),
    path("forms/<int:pk>/", reporting_views.form_edit_view, name="form_edit"),
    path("forms/<int:pk>/submit/", reporting_views.form_submit_view, name="form_submit"),
    path("forms/<int:pk>/upload/", reporting_views.form_upload_view, name="form_upload"),
]
