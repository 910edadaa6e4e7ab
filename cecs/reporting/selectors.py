"""Reads of CEC Reporting Forms."""

from ..models import ActivityKind, ReportingForm


def holder_forms(*, holder):
    return ReportingForm.objects.filter(holder=holder).select_related("activity_type")


def form_kinds():
    """The activity kinds holders report on a CEC Reporting Form: those AASC verifies and
    signs, while staff offer them."""
    return ActivityKind.objects.filter(checked_by=ActivityKind.CheckedBy.AASC, active=True)
