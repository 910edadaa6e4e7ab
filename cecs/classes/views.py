"""Holder pages of the AASC class calendar: upcoming classes, reserving and cancelling a
seat, and the calendar file (download, and a feed behind a secret address).

Views only collect input and call `cecs.classes.reservations`; everything a holder can reach is
scoped to their own holder record (another holder's reservation is a 404)."""

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from core.errors import ApplicationError
from core.page_cache import render_part, with_csrf_token
from holders.mixins import HolderRequiredMixin

from ..models import AascClass, CalendarFeed, Reservation
from . import ics
from .parts import class_list_part, class_list_value
from .reservations import (
    calendar_feed_get_or_create,
    calendar_feed_reset,
    feed_for_token,
    holder_reservations,
    reservation_cancel,
    reservation_create,
    reservation_for_holder,
    upcoming_classes,
)


def _back(request, default):
    """The page the button was on (a `next` field), if it is one of ours."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


def _when(aasc_class):
    return f"{timezone.localtime(aasc_class.starts_at):%A, %B %-d, %Y at %-I:%M %p}"


class ClassListView(HolderRequiredMixin, TemplateView):
    template_name = "cecs/classes.html"

    def get_context_data(self, **kwargs):
        # The holder's reservations, attendance and feed, and every class and seat.
        site = f"{self.request.scheme}://{self.request.get_host()}"  # in the feed's URL
        part = class_list_part(
            holder=self.holder, page="classes", render=self.render_content, key=(site,)
        )
        content = with_csrf_token(self.request, part["html"])
        return super().get_context_data(content=content, **kwargs)

    def render_content(self):
        now = timezone.now()
        feed = calendar_feed_get_or_create(holder=self.holder)
        reservations = list(holder_reservations(holder=self.holder))
        classes = list(
            upcoming_classes(holder=self.holder, now=now).filter(my_reservation_id__isnull=True)
        )
        upcoming = [
            r for r in reservations if r.aasc_class.starts_at and r.aasc_class.starts_at > now
        ]
        context = {
            "holder": self.holder,
            "classes": classes,
            "upcoming_reservations": upcoming,
            "past_reservations": [r for r in reservations if r not in upcoming],
            "feed_url": self.request.build_absolute_uri(
                reverse("cecs:calendar_feed", args=[feed.token])
            ),
        }
        starts = [c.starts_at for c in classes] + [r.aasc_class.starts_at for r in upcoming]
        return class_list_value(
            html=render_part("cecs/_classes_content.html", context), starts=starts
        )


class ReserveView(HolderRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        aasc_class = get_object_or_404(AascClass, pk=pk, published=True)
        try:
            reservation = reservation_create(aasc_class=aasc_class, holder=self.holder)
        except ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Seat reserved: {reservation.aasc_class.title}, {_when(reservation.aasc_class)}. "
                "It is in your calendar file; AASC records your attendance at the class.",
            )
        return _back(request, reverse("cecs:classes"))


class CancelView(HolderRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            reservation = reservation_for_holder(holder=self.holder, pk=pk)
        except Reservation.DoesNotExist as error:
            raise Http404 from error
        try:
            reservation_cancel(reservation=reservation)
        except ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Reservation cancelled: {reservation.aasc_class.title}. Your seat is free "
                "for someone else.",
            )
        return _back(request, reverse("cecs:classes"))


def calendar_response(request, holder, *, feed):
    body = ics.holder_calendar(
        holder=holder,
        classes_url=request.build_absolute_uri(reverse("cecs:classes")),
        feed=feed,
    )
    response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
    disposition = "inline" if feed else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{ics.FILENAME}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class CalendarDownloadView(HolderRequiredMixin, View):
    def get(self, request):
        return calendar_response(request, self.holder, feed=False)


class CalendarFeedView(View):
    """The holder's feed for calendar apps, which cannot sign in: the secret token in the
    address is the key. An unknown or forged token is a 404, like any missing page."""

    def get(self, request, token):
        try:
            feed = feed_for_token(token=token)
        except CalendarFeed.DoesNotExist as error:
            raise Http404 from error
        return calendar_response(request, feed.holder, feed=True)


class CalendarFeedResetView(HolderRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        calendar_feed_reset(holder=self.holder)
        messages.success(
            request,
            "Your calendar feed has a new address; the old one no longer works. Subscribe "
            "to the new one in your calendar app.",
        )
        return HttpResponseRedirect(reverse("cecs:classes") + "#calendar")


class_list_view = ClassListView.as_view()
reserve_view = ReserveView.as_view()
cancel_view = CancelView.as_view()
calendar_download_view = CalendarDownloadView.as_view()
calendar_feed_view = CalendarFeedView.as_view()
calendar_feed_reset_view = CalendarFeedResetView.as_view()
