"""Staff page: the cycle overview with charts, links to filtered lists, and a CSV."""

from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from core.safe_csv import csv_response
from credentials.models import RenewalCycle
from credentials.selectors import current_cycle
from holders.roles import is_aasc_staff

from .overview import cycle_overview

CENT = Decimal("0.01")

# The charts' SVG units: each row names its step or credential at the left, draws its bar,
# and writes its number at the bar's end (attributes, not inline styles: the CSP forbids
# those).
CHART_WIDTH = 400
LABEL_WIDTH = 150  # the names, at the left of the bars
BAR_SPACE = 200  # the longest bar
ROW_HEIGHT = 14
TEXT_BASELINE = 8  # below the row's top, for a bar 10 units high


def invoices_link(cycle, progress=None):
    url = reverse("admin:credentials_renewalinvoice_changelist") + f"?cycle__id__exact={cycle.pk}"
    return url + (f"&progress={progress}" if progress else "")


def _length(value, total):
    return round(BAR_SPACE * value / total, 1) if total else 0


def _bars(rows, total):
    """Each row's bar (its length a share of `total`) with where its name and number go."""
    bars = []
    for index, row in enumerate(rows):
        width = _length(row["count"], total)
        y = index * ROW_HEIGHT
        bars.append(
            {
                **row,
                "y": y,
                "text_y": y + TEXT_BASELINE,
                "width": width,
                "value_x": LABEL_WIDTH + width + 4,
            }
        )
    return bars


def _chosen_cycle(request):
    year = request.GET.get("year", "")
    # ASCII digits only: "²".isdigit() is true but int("²") raises, which was a 500.
    if year.isascii() and year.isdigit():
        return get_object_or_404(RenewalCycle, year=int(year))
    return current_cycle() or RenewalCycle.objects.order_by("-year").first()


@staff_member_required
def cycle_overview_view(request):
    if not is_aasc_staff(request.user):
        raise PermissionDenied
    cycle = _chosen_cycle(request)
    context = {**admin.site.each_context(request), "title": "Renewal season overview"}
    context["cycles"] = RenewalCycle.objects.order_by("-year").values_list("year", flat=True)
    if cycle is None:
        return TemplateResponse(request, "admin/cycle_overview.html", context)
    overview = cycle_overview(cycle)
    invoiced = overview.figures["invoiced"]
    funnel = [
        {"key": key, "label": label, "count": count, "url": invoices_link(cycle, key)}
        for key, label, count in overview.funnel
    ]
    per_type = []
    widest = max((row["invoiced"] for _, row in overview.by_credential), default=0)
    for index, (code, row) in enumerate(overview.by_credential):
        parts = [row["renewed"], row["paid"] - row["renewed"], row["invoiced"] - row["paid"]]
        y = index * ROW_HEIGHT
        per_type.append(
            {
                "code": code,
                **row,
                "y": y,
                "text_y": y + TEXT_BASELINE,
                "parts": _stack(parts, widest),
                "value_x": LABEL_WIDTH + _length(row["invoiced"], widest) + 4,
            }
        )
    context |= {
        "cycle": cycle,
        "overview": overview,
        "funnel": _bars(funnel, invoiced),
        "funnel_height": len(funnel) * ROW_HEIGHT,
        "types_height": max(len(per_type), 1) * ROW_HEIGHT,
        "chart_width": CHART_WIDTH,
        "label_width": LABEL_WIDTH,
        "others": [
            {"label": label, "count": count, "url": invoices_link(cycle, key)}
            for key, label, count in overview.others
        ],
        "per_type": per_type,
        "paid_not_submitted_url": invoices_link(cycle, "paid_not_submitted"),
        "csv_url": reverse("cycle_overview_csv") + f"?year={cycle.year}",
    }
    return TemplateResponse(request, "admin/cycle_overview.html", context)


def _stack(parts, total):
    """x offsets and lengths of a stacked bar's segments, after the row's name."""
    segments, x = [], float(LABEL_WIDTH)
    for value in parts:
        width = _length(value, total)
        segments.append({"x": x, "width": width, "value": value})
        x += width
    return segments


@staff_member_required
def cycle_overview_csv_view(request):
    if not is_aasc_staff(request.user):
        raise PermissionDenied
    cycle = _chosen_cycle(request)
    if cycle is None:
        raise Http404("No renewal cycle exists yet.")
    overview = cycle_overview(cycle)
    rows = [[cycle.year, label, count] for _, label, count in overview.funnel + overview.others]
    # Money as a Decimal, not a formatted string: a number is never mistaken for a formula.
    rows += [
        [cycle.year, f"money {key} (USD)", (Decimal(cents) / 100).quantize(CENT)]
        for key, cents in overview.money.items()
    ]
    rows += [
        [cycle.year, f"{code} {figure}", row[figure]]
        for code, row in overview.by_credential
        for figure in ("invoiced", "paid", "renewed")
    ]
    return csv_response(f"renewal-overview-{cycle.year}.csv", ["cycle", "figure", "holders"], rows)
