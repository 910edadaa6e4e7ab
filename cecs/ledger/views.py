"""Holder pages: CEC status for the cycle (renewal step 3), history, transcript, certificates."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core.page_cache import cached_part, render_part
from core.pdf import render_pdf
from core.safe_csv import csv_response
from credentials.selectors import current_cycle, holder_invoice, open_earning_windows
from holders.mixins import HolderRequiredMixin
from holders.renewal_version import renewal_cache_key

from ..models import CecEntry
from .selectors import active_kinds_by_category, cec_progress, cec_status, holder_entries


@dataclass(frozen=True)
class StatusSummary:
    """What the CEC status page's other parts read from the holder's status: the class
    suggestions (cached by the class calendar's version too: cecs.templatetags.cecs_calendar)
    and the transcript's year."""

    year: int
    window_start: datetime.date
    window_end: datetime.date
    owed: Decimal
    missing: Decimal
    is_met: bool
    waived: bool


def status_parts(*, holder, cycle):
    """The CEC status page's cached parts: above and below the class suggestions."""
    invoice = holder_invoice(holder=holder, cycle=cycle)
    status = cec_status(holder=holder, cycle=cycle, invoice=invoice)
    context = {"holder": holder, "cycle": cycle, "status": status, "progress": cec_progress(status)}
    return {
        "top": render_part("cecs/_status_top.html", context),
        "bottom": render_part("cecs/_status_bottom.html", context),
        "summary": StatusSummary(
            year=status.year,
            window_start=status.window_start,
            window_end=status.window_end,
            owed=status.owed,
            missing=status.missing,
            is_met=status.is_met,
            waived=status.waived,
        ),
    }


class StatusView(HolderRequiredMixin, TemplateView):
    template_name = "cecs/status.html"

    def get_context_data(self, **kwargs):
        cycle = current_cycle()
        context = {"holder": self.holder, "cycle": cycle}
        if cycle is not None:
            parts = cached_part(
                key=renewal_cache_key(holder=self.holder, page="cec-status"),
                render=lambda: status_parts(holder=self.holder, cycle=cycle),
            )
            context["parts"] = parts  # the HTML parts stay SafeStrings through the cache
        return super().get_context_data(**context, **kwargs)


class HistoryView(HolderRequiredMixin, TemplateView):
    template_name = "cecs/history.html"

    def get_context_data(self, **kwargs):
        entries = list(holder_entries(holder=self.holder))
        years = sorted({entry.earned_on.year for entry in entries}, reverse=True)
        by_year = [(year, [e for e in entries if e.earned_on.year == year]) for year in years]
        return super().get_context_data(holder=self.holder, by_year=by_year, **kwargs)


def transcript_rows(entries):
    return [
        [
            entry.earned_on.isoformat(),
            entry.title,
            entry.provider,
            entry.source.name,
            entry.get_category_display(),
            f"{entry.hours:.2f}",
            entry.get_status_display(),
            entry.verification_code,
        ]
        for entry in entries
    ]


TRANSCRIPT_HEADER = [
    "date earned",
    "title",
    "provider",
    "source",
    "category",
    "CECs",
    "status",
    "verification code",
]


class TranscriptPdfView(HolderRequiredMixin, View):
    def get(self, request, year):
        entries = list(holder_entries(holder=self.holder, year=year))
        counted = [e for e in entries if e.status == CecEntry.Status.COUNTED]
        pdf = render_pdf(
            "pdf/transcript.html",
            {
                "holder": self.holder,
                "year": year,
                "entries": entries,
                "total": sum((e.hours for e in counted), 0),
            },
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="cec-transcript-{year}.pdf"'
        return response


class TranscriptCsvView(HolderRequiredMixin, View):
    def get(self, request, year):
        rows = transcript_rows(holder_entries(holder=self.holder, year=year))
        return csv_response(f"cec-transcript-{year}.csv", TRANSCRIPT_HEADER, rows)


class CertificateView(HolderRequiredMixin, View):
    """The PDF certificate of an AASC class attended; another holder's is a 404."""

    def get(self, request, pk):
        entry = get_object_or_404(
            CecEntry.objects.select_related("attendance__aasc_class", "holder"),
            pk=pk,
            holder=self.holder,
            attendance__isnull=False,
            status=CecEntry.Status.COUNTED,
        )
        pdf = render_pdf("pdf/certificate.html", {"entry": entry, "holder": self.holder})
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="certificate-{entry.verification_code}.pdf"'
        )
        return response


class WhatCountsView(TemplateView):
    """Public help page: what counts as a CEC, from the activity kinds staff keep, and the
    earning window of each renewal still open."""

    template_name = "cecs/what_counts.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            groups=active_kinds_by_category(),
            windows=open_earning_windows(today=timezone.localdate()),
            **kwargs,
        )


status_view = StatusView.as_view()
what_counts_view = WhatCountsView.as_view()
history_view = HistoryView.as_view()
transcript_pdf_view = TranscriptPdfView.as_view()
transcript_csv_view = TranscriptCsvView.as_view()
certificate_view = CertificateView.as_view()
