"""`{% class_suggestions holder status as suggestions %}`: the AASC classes that would
close a holder's CEC gap, for templates/cecs/_class_suggestions.html (included by the
CEC status page, whose view is not the calendar's)."""

from django import template

from cecs.classes.reservations import class_suggestions as suggestions_for

register = template.Library()


@register.simple_tag
def class_suggestions(holder, status):
    if holder is None or status is None:
        return None
    return suggestions_for(holder=holder, status=status)
