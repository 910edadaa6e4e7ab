from django.urls import path

from core import converters  # noqa: F401 (registers the year, code and token converters)

from .classes import views as class_views
from .ledger import views as ledger_views
from .reporting import views as reporting_views
from .submissions import views as submission_views

app_name = "cecs"

urlpatterns = [
    path("status/", ledger_views.status_view, name="status"),
    path("history/", ledger_views.history_view, name="history"),
    path("transcript/<year:year>/pdf/", ledger_views.transcript_pdf_view, name="transcript_pdf"),
    path("transcript/<year:year>/csv/", ledger_views.transcript_csv_view, name="transcript_csv"),
    path("entries/<int:pk>/certificate/", ledger_views.certificate_view, name="certificate"),
    path("submit/", submission_views.submit_view, name="submit"),
    path("review/", submission_views.queue_view, name="review_queue"),
    path("review/<int:pk>/", submission_views.submission_view, name="review_detail"),
    path("review/<int:pk>/approve/", submission_views.approve_view, name="review_approve"),
    path("review/<int:pk>/reject/", submission_views.reject_view, name="review_reject"),
    path(
        "review/decisions/<year:year>.csv",
        submission_views.decisions_csv_view,
        name="decisions_csv",
    ),
    path("forms/", reporting_views.form_list_view, name="forms"),
    path("forms/new/", reporting_views.form_new_view, name="form_new"),
    path("forms/<int:pk>/", reporting_views.form_edit_view, name="form_edit"),
    path("forms/<int:pk>/submit/", reporting_views.form_submit_view, name="form_submit"),
    path("forms/<int:pk>/remove/", reporting_views.form_remove_view, name="form_remove"),
    path("forms/<int:pk>/upload/", reporting_views.form_upload_view, name="form_upload"),
    path("classes/", class_views.class_list_view, name="classes"),
    path("classes/<int:pk>/reserve/", class_views.reserve_view, name="class_reserve"),
    path("reservations/<int:pk>/cancel/", class_views.cancel_view, name="reservation_cancel"),
    path("calendar.ics", class_views.calendar_download_view, name="calendar_download"),
    path("calendar/<token:token>.ics", class_views.calendar_feed_view, name="calendar_feed"),
    path("calendar/reset/", class_views.calendar_feed_reset_view, name="calendar_feed_reset"),
]
