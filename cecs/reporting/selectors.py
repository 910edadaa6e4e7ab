"""Reads of CEC Reporting Forms."""

from ..models import ReportingForm


def holder_forms(*, holder):
    return ReportingForm.objects.filter(holder=holder)
