"""Reads of CEC Reporting Forms."""

from ..ledger.selectors import entry_is_locked
from ..models import ActivityKind, CecEntry, ReportingForm


def holder_forms(*, holder):
    return ReportingForm.objects.filter(holder=holder).select_related("activity_type", "cec_entry")


HOLDER_REPORTED = (ActivityKind.CheckedBy.AASC, ActivityKind.CheckedBy.NAAEI)


def form_kinds():
    """The activity kinds holders report on the form, while staff offer them: those AASC
    verifies and signs, and those NAAEI reviews with the submission."""
    return ActivityKind.objects.filter(checked_by__in=HOLDER_REPORTED, active=True)


def returned_forms(*, holder):
    """The holder's forms AASC returned for correction, oldest return first."""
    return (
        ReportingForm.objects.filter(holder=holder, status=ReportingForm.Status.RETURNED)
        .only("title", "returned_reason")
        .order_by("returned_at", "pk")
    )


def form_in_review(*, form):
    """Whether the form's ledger line is in a submission NAAEI is reviewing or approved."""
    entry = CecEntry.objects.filter(reporting_form=form).first()
    return entry is not None and entry_is_locked(entry=entry)
