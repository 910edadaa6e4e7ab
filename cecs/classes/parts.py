"""Cached parts of holder pages that list AASC classes: the classes page and the CEC status
page's class suggestions (core.page_cache).

Besides the holder's renewal version, such a part shows every holder's seats, so it is keyed
by the class calendar's version too (cecs.models.ClassCalendarVersion), and it holds only
until the first class it lists starts. Without the calendar's row, nothing is cached."""

from django.utils import timezone

from core.page_cache import cached_part
from holders.renewal_version import renewal_cache_key

from .reservations import class_calendar_version


def class_list_part(*, holder, page, render, key=(), shows_classes=True):
    """The part `render()` makes (`class_list_value(...)`), cached. `shows_classes=False`:
    this time it lists none (a holder whose requirement is met), so the calendar is not
    read and only the holder's version keys it."""
    calendar = class_calendar_version() if shows_classes else "none-listed"
    if calendar is None:
        return render()
    return cached_part(
        key=(*renewal_cache_key(holder=holder, page=page), calendar, *key),
        render=render,
        fresh=_none_started,
    )


def class_list_value(*, html, starts):
    """What `render` returns: the HTML and when it stops holding (the first of `starts`)."""
    return {"html": html, "until": min(starts, default=None)}


def _none_started(part):
    return part["until"] is None or timezone.now() < part["until"]
