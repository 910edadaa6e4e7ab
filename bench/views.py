"""Reference pages for `make bench` (bench/README.md), mounted under /__bench__/ by bench/urls.py,
the URLconf of bench/settings.py only. They bracket what a portal page can reach on this machine:

- `ok`: a bare response, no template and no database: the ceiling;
- `rows`: a page in the portal's layout (base.html) with a 20-row table read from
  PostgreSQL in one query: the floor a real page can reach.

Both answer anonymous requests, so neither pays for a session or a user lookup.
"""

from functools import cache

from django.http import HttpResponse
from django.template import engines
from django.views.decorators.http import require_GET

from holders.models import HolderProfile

ROWS = 20
ROWS_TEMPLATE = """{% extends "base.html" %}
{% block head_title %}Reference page{% endblock %}
{% block content %}
<h1 class="h2">Reference page: {{ rows|length }} rows, one query</h1>
<table class="table table-sm">
  <thead><tr><th scope="col">Member</th><th scope="col">Name</th><th scope="col">City</th>
  <th scope="col">Employer</th></tr></thead>
  <tbody>
  {% for row in rows %}
    <tr><td>{{ row.member_number }}</td><td>{{ row.first_name }} {{ row.last_name }}</td>
    <td>{{ row.city }}</td><td>{{ row.employer }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}
"""


@cache
def _template():
    """Compiled once per process, as the cached template loader does for files."""
    return engines["django"].from_string(ROWS_TEMPLATE)


@require_GET
def ok_view(request):
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def rows_view(request):
    rows = list(
        HolderProfile.objects.order_by("pk").values(
            "member_number", "first_name", "last_name", "city", "employer"
        )[:ROWS]
    )
    return HttpResponse(_template().render({"rows": rows}, request))
