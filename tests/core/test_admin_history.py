from django.contrib import admin
from django.contrib.admin import ModelAdmin

from cecs.models import ReportingForm
from tests.factories import ReportingFormFactory


def test_the_changelist_checkbox_is_the_markup_django_renders(db):
    """HistoryAdmin writes the row checkbox without a widget template; the admin's
    select-all script and screen readers see exactly what Django's widget gives."""
    form = ReportingFormFactory(title='Fair housing <"quoted"> & more')
    model_admin = admin.site._registry[ReportingForm]

    assert model_admin.action_checkbox(form) == ModelAdmin.action_checkbox(model_admin, form)
