"""`{% class_suggestions_part holder status %}`: the AASC classes that would close a holder's
CEC gap (templates/cecs/_class_suggestions.html), for the CEC status page, whose view (in
the ledger) does not import the calendar.

Cached like the classes page (cecs.classes.parts): by the holder's renewal version and the
class calendar's (every class and seat), and only until the first class it names starts."""

from django import template
from django.urls import reverse

from cecs.classes.parts import class_list_part, class_list_value
from cecs.classes.reservations import class_suggestions as suggestions_for
from core.page_cache import render_part, with_csrf_token

register = template.Library()


@register.simple_tag(takes_context=True)
def class_suggestions_part(context, holder, status):
    if holder is None or status is None:
        return ""
    part = class_list_part(
        holder=holder,
        page="class-suggestions",
        render=lambda: _suggestions_part(holder, status),
        # A holder whose requirement is met is suggested nothing: no class, no seat.
        shows_classes=not status.is_met,
    )
    return with_csrf_token(context["request"], part["html"])


def _suggestions_part(holder, status):
    suggestions = suggestions_for(holder=holder, status=status)
    context = {"suggestions": suggestions, "status": status, "back_url": reverse("cecs:status")}
    listed = [*suggestions.classes, *suggestions.reserved] if suggestions else []
    return class_list_value(
        html=render_part("cecs/_class_suggestions.html", context),
        starts=[entry.aasc_class.starts_at for entry in listed if entry.aasc_class.starts_at],
    )
