"""One page per holder with every recorded change: who, what and when (staff only)."""

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from cecs.models import Attendance, CecEntry, ReportingForm, Submission
from core.admin_history import has_model_perms
from credentials.models import HeldCredential, RenewalInvoice, Waiver
from holders.models import ContactConfirmation, HolderProfile
from payments.models import Payment

LIMIT_PER_KIND = 200
CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def may_view(user, model):
    return has_model_perms(user, model._meta, ["view"])


def holder_history(holder, *, user=None):
    """History rows about `holder` from every audited model, newest first. Given `user`,
    only the kinds of record that user may view: a reviewer reads credentials and CECs,
    not payments."""
    sources = [
        ("Contact details", HolderProfile, HolderProfile.history.filter(id=holder.pk)),
        (
            "Contact confirmation",
            ContactConfirmation,
            ContactConfirmation.history.filter(holder_id=holder.pk),
        ),
        ("Credential", HeldCredential, HeldCredential.history.filter(holder_id=holder.pk)),
        ("Invoice", RenewalInvoice, RenewalInvoice.history.filter(holder_id=holder.pk)),
        ("Waiver", Waiver, Waiver.history.filter(holder_id=holder.pk)),
        ("Payment", Payment, Payment.history.filter(invoice__holder_id=holder.pk)),
        ("Attendance", Attendance, Attendance.history.filter(holder_id=holder.pk)),
        ("CEC entry", CecEntry, CecEntry.history.filter(holder_id=holder.pk)),
        ("Reporting form", ReportingForm, ReportingForm.history.filter(holder_id=holder.pk)),
        ("Submission", Submission, Submission.history.filter(holder_id=holder.pk)),
    ]
    if user is not None:
        sources = [source for source in sources if may_view(user, source[1])]
    rows = []
    for kind, _model, history in sources:
        for record in history.select_related("history_user")[:LIMIT_PER_KIND]:
            rows.append(
                {
                    "when": record.history_date,
                    "kind": kind,
                    "object": str(record.instance),
                    "change": CHANGE_TYPES.get(record.history_type, record.history_type),
                    "status": getattr(record, "status", ""),
                    "who": record.history_user.email if record.history_user else "system",
                    "reason": record.history_change_reason or "",
                }
            )
    return sorted(rows, key=lambda row: row["when"], reverse=True)


@staff_member_required
def holder_audit_view(request, pk):
    # Reading the page needs the holder record; each kind of row needs its own view too.
    if not may_view(request.user, HolderProfile):
        raise PermissionDenied
    holder = get_object_or_404(HolderProfile, pk=pk)
    context = {
        **admin.site.each_context(request),
        "title": f"Audit trail: {holder}",
        "holder": holder,
        "rows": holder_history(holder, user=request.user),
        "opts": HolderProfile._meta,
    }
    return TemplateResponse(request, "admin/holder_audit.html", context)
