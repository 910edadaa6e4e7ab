"""`{% class_suggestions_part holder status %}`: the AASC classes that would close a holder's
CEC gap (templates/cecs/_class_suggestions.html), for the CEC status page, whose view (in
the ledger) does not import the calendar.

Cached like the classes page (core.page_cache): by the holder's renewal version and the
class calendar's (every class and seat), and only until the first class it names starts."""

from django import template
from django.urls import reverse
from django.utils import timezone

from cecs.classes.reservations import class_calendar_version
from cecs.classes.reservations import class_suggestions as suggestions_for
from core.page_cache import cached_part, render_part, with_csrf_token
from holders.renewal_version import renewal_cache_key

register = template.Library()


@register.simple_tag(takes_context=True)
def class_suggestions_part(context, holder, status):
    if holder is None or status is None:
        return ""
    # A holder whose requirement is met is suggested nothing: no class, no seat is shown.
    calendar = "met" if status.is_met else class_calendar_version()
    render = lambda: _suggestions_part(holder, status)  # noqa: E731
    if calendar is None:
        part = render()
    else:
        part = cached_part(
            key=(*renewal_cache_key(holder=holder, page="class-suggestions"), calendar),
            render=render,
            fresh=lambda part: part["until"] is None or timezone.now() < part["until"],
        )
    return with_csrf_token(context["request"], part["html"])


def _suggestions_part(holder, status):
    suggestions = suggestions_for(holder=holder, status=status)
    context = {"suggestions": suggestions, "status": status, "back_url": reverse("cecs:status")}
    html = render_part("cecs/_class_suggestions.html", context)
    listed = [*suggestions.classes, *suggestions.reserved] if suggestions else []
    starts = [entry.aasc_class.starts_at for entry in listed if entry.aasc_class.starts_at]
    return {"html": html, "until": min(starts, default=None)}
