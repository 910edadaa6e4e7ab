"""Holder pages for CEC Reporting Forms (being written)."""

from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


form_list_view = form_new_view = form_edit_view = form_submit_view = form_upload_view = _not_yet
