"""The NAAEI reviewers' queue page, built from two cached parts (core.page_cache).

- The filter form: what it makes of the query string (the filters, its HTML, the cycles
  for the decisions export) depends only on that query string and on the cycles and
  credential types, which the reference-data token covers.
- The rows: keyed by each listed submission's id and its holder's renewal version, which
  PostgreSQL bumps with every write to the submission, its invoice lines or the holder's
  record (holders.renewal_version). The page of (id, version) pairs and the count are read
  for every view, so the queue is always the queue as it is; only drawing the rows is
  saved. Every reviewer sees the same rows, so they share the cache.
- The count: for a status and a cycle, from the tally PostgreSQL keeps with every write
  to the submissions (SubmissionTally), not a count of the queue (26,000 pending
  submissions took longer to count than the rest of the page).
"""

import hashlib
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator

from core.page_cache import cached_part, render_part
from credentials.models import CredentialType, RenewalCycle

from ..models import Submission
from .selectors import (
    review_queue,
    review_queue_count,
    review_queue_rows,
    review_queue_versions,
)

# Reviewers work from the oldest down, one submission at a time; each row costs render
# time, and 25 fill a screen (bench/findings.md).
PAGE_SIZE = 25


class QueueFilterForm(forms.Form):
    year = forms.TypedChoiceField(label="Cycle", required=False, coerce=int, empty_value=None)
    credential = forms.ChoiceField(required=False)
    q = forms.CharField(label="Holder or member number", required=False, max_length=100)
    status = forms.ChoiceField(choices=Submission.Status.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        years = RenewalCycle.objects.values_list("year", flat=True)
        self.fields["year"].choices = [("", "All cycles"), *[(y, y) for y in years]]
        codes = CredentialType.objects.filter(renews=True).values_list("code", flat=True)
        self.fields["credential"].choices = [("", "All credentials"), *[(c, c) for c in codes]]

    def queue_filters(self):
        """review_queue's keyword arguments; a value the form refuses filters nothing."""
        cleaned = self.cleaned_data if self.is_valid() else {}
        return {
            "status": cleaned.get("status") or Submission.Status.PENDING,
            "year": cleaned.get("year"),
            "credential_code": cleaned.get("credential") or None,
            "search": cleaned.get("q") or "",
        }


def queue_page(*, query):
    """Everything the queue page shows for the query string `query` (a QueryDict)."""
    filters = _filters_part(query)
    submissions = review_queue(**filters["filters"])
    paginator = Paginator(submissions, PAGE_SIZE)
    tally = review_queue_count(**filters["filters"])
    if tally is not None:  # else the paginator counts the queue itself
        paginator.count = tally
    page = paginator.get_page(query.get("page"))
    versions = list(review_queue_versions(page.object_list))
    return {**filters, "page": page, "rows": _rows_part(versions)}


def _digest(value):
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def _filters_part(query):
    fields = {name: query.getlist(name) for name in QueueFilterForm.base_fields if name in query}
    # An unbound form (no query string at all) shows no errors; a bound one may.
    bound = bool(query)

    def render():
        form = QueueFilterForm(query if bound else None)
        filters = form.queue_filters()
        return {
            "filters": filters,
            "filter_form": render_part("cecs/_review_filters.html", {"form": form}),
            "years": [year for year, _ in form.fields["year"].choices if year],
            "filter_query": urlencode(fields, doseq=True),
        }

    key = ("review-filters", bound, _digest(sorted(fields.items())))
    return cached_part(key=key, render=render)


def _rows_part(versions):
    def render():
        rows = review_queue_rows(ids=[pk for pk, _version in versions])
        return render_part("cecs/_review_rows.html", {"submissions": rows})

    return cached_part(key=("review-rows", len(versions), _digest(versions)), render=render)
