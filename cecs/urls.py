from django.urls import path

from core import converters  # noqa: F401 (registers the year, code and token converters)

from . import calendar_views, reporting_views, review_views, submission_views, views

app_name = "cecs"

urlpatterns = [
    path("status/", views.status_view, name="status"),
    path("history/", views.history_view, name="history"),
    path("transcript/<year:year>/pdf/", views.transcript_pdf_view, name="transcript_pdf"),
    path("transcript/<year:year>/csv/", views.transcript_csv_view, name="transcript_csv"),
    path("entries/<int:pk>/certificate/", views.certificate_view, name="certificate"),
    path("submit/", submission_views.submit_view, name="submit"),
    path("review/", review_views.queue_view, name="review_queue"),
    path("review/<int:pk>/", review_views.submission_view, name="review_detail"),
    path("review/<int:pk>/approve/", review_views.approve_view, name="review_approve"),
    path("review/<int:pk>/reject/", review_views.reject_view, name="review_reject"),
    path("review/decisions/<year:year>.csv", review_views.decisions_csv_view, name="decisions_csv"),
    path("forms/", reporting_views.form_list_view, name="forms"),
    path("forms/new/", reporting_views.form_new_view, name="form_new"),
    path("forms/<int:pk>/", reporting_views.form_edit_view, name="form_edit"),
    path("forms/<int:pk>/submit/", reporting_views.form_submit_view, name="form_submit"),
    path("forms/<int:pk>/upload/", reporting_views.form_upload_view, name="form_upload"),
    path("classes/", calendar_views.class_list_view, name="classes"),
    path("classes/<int:pk>/reserve/", calendar_views.reserve_view, name="class_reserve"),
    path("reservations/<int:pk>/cancel/", calendar_views.cancel_view, name="reservation_cancel"),
    path("calendar.ics", calendar_views.calendar_download_view, name="calendar_download"),
    path("calendar/<token:token>.ics", calendar_views.calendar_feed_view, name="calendar_feed"),
    path("calendar/reset/", calendar_views.calendar_feed_reset_view, name="calendar_feed_reset"),
]
