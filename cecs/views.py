"""Holder pages for CEC status (being written)."""

from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


status_view = history_view = transcript_pdf_view = transcript_csv_view = certificate_view = _not_yet
