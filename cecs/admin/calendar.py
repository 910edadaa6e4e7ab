"""The class calendar: published classes, seats and reservations."""

from django import forms
from django.contrib import admin, messages
from django.template.defaultfilters import pluralize
from django.utils import timezone

from core.errors import ApplicationError

from ..classes import reservations
from ..models import AascClass, Reservation
from .base import HOLDER_SEARCH, ServiceOnlyAdmin, counted
from .classes import AascClassAdmin, AttendanceInline, AttendeeCountFilter


class ClassCalendarForm(forms.ModelForm):
    """A class's date follows its start time (in America/Denver) once it has one, and its
    seats cannot drop below the seats already reserved."""

    online_url = forms.URLField(
        label="Online link", required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = AascClass
        fields = [
            "title",
            "instructor",
            "hours",
            "held_on",
            "starts_at",
            "ends_at",
            "location",
            "online_url",
            "published",
            "seats",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "held_on" in self.fields:
            self.fields["held_on"].required = False
            self.fields["held_on"].help_text = "Filled in from the start time when left empty."

    def clean(self):
        cleaned = super().clean()
        starts_at = cleaned.get("starts_at")
        editable_date = "held_on" in self.fields
        held_on = cleaned.get("held_on") if editable_date else self.instance.held_on
        if starts_at is not None:
            day = timezone.localdate(starts_at)
            if editable_date and held_on is None:
                cleaned["held_on"] = day
            elif held_on is not None and held_on != day:
                self.add_error(
                    "starts_at",
                    f"The class starts on {day:%B %-d, %Y} but its date is "
                    f"{held_on:%B %-d, %Y}; make them agree.",
                )
        elif editable_date and held_on is None and "held_on" not in self.errors:
            self.add_error("held_on", "Give the date, or the start time.")
        seats = cleaned.get("seats")
        taken = self.instance.seats_taken if self.instance.pk else 0
        if seats is not None and seats < taken:
            self.add_error(
                "seats",
                f"{counted(taken, 'seat')} {pluralize(taken, 'is,are')} reserved already; "
                "cancel reservations first or keep at least that many seats.",
            )
        return cleaned


class ReservationInline(admin.TabularInline):
    """Who reserved a seat; read-only (holders reserve and cancel in the portal)."""

    model = Reservation
    fields = ["holder", "status", "created_at", "cancelled_at", "attended"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Seat reservations"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("holder")
            .annotate(_attended=reservations.attended_subquery())
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="attended", boolean=True)
    def attended(self, obj):
        return obj._attended


class ClassCalendarAdmin(AascClassAdmin):
    """The classes workbench above, plus the calendar: staff publish a class with its
    start, place and seats, and see who reserved."""

    form = ClassCalendarForm
    fields = None
    fieldsets = [
        (None, {"fields": ["title", "instructor", "hours"]}),
        ("Date and time", {"fields": ["held_on", "starts_at", "ends_at"]}),
        ("Place", {"fields": ["location", "online_url"]}),
        ("Publishing", {"fields": ["published", "seats", "seats_reserved"]}),
    ]
    list_display = [
        "title",
        "held_on",
        "starts_at",
        "instructor",
        "hours",
        "published",
        "seats_reserved",
        "attendees",
    ]
    list_filter = ["published", "held_on", AttendeeCountFilter]

    def get_inlines(self, request, obj):
        """The reservations table only where there are reservations (not on old classes)."""
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and obj.pk and Reservation.objects.filter(aasc_class=obj).exists():
            inlines.insert(inlines.index(AttendanceInline), ReservationInline)
        return inlines

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "seats_reserved"]

    @admin.display(description="seats reserved", ordering="seats_taken")
    def seats_reserved(self, obj):
        if obj.pk is None:
            return "—"
        if obj.seats is None:
            return f"{obj.seats_taken} (unlimited seats)"
        return f"{obj.seats_taken} of {obj.seats}"

    def save_model(self, request, obj, form, change):
        """Never write `seats_taken` from the form's copy: a reservation made while the
        page was open would be lost. The reservation services own that column."""
        obj._history_user = request.user
        if not change:
            obj.save()
            return
        names = [f.name for f in obj._meta.concrete_fields if not f.primary_key]
        obj.save(update_fields=[name for name in names if name != "seats_taken"])


admin.site.unregister(AascClass)
admin.site.register(AascClass, ClassCalendarAdmin)


@admin.register(Reservation)
class ReservationAdmin(ServiceOnlyAdmin):
    """Seat reservations, read-only; staff can cancel one for a holder (the seat frees)."""

    list_display = ["holder", "aasc_class", "class_starts_at", "status", "created_at", "attended"]
    list_filter = ["status", "aasc_class__published"]
    list_select_related = ["holder", "aasc_class"]
    search_fields = [*HOLDER_SEARCH, "aasc_class__title"]
    date_hierarchy = "created_at"
    actions = ["cancel_reservations"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_attended=reservations.attended_subquery())

    @admin.display(description="class starts", ordering="aasc_class__starts_at")
    def class_starts_at(self, obj):
        return obj.aasc_class.starts_at

    @admin.display(description="attended", boolean=True, ordering="_attended")
    def attended(self, obj):
        return obj._attended

    @admin.action(description="Cancel selected reservations", permissions=["change"])
    def cancel_reservations(self, request, queryset):
        cancelled = 0
        for reservation in queryset.filter(status=Reservation.Status.RESERVED):
            try:
                reservations.reservation_cancel(reservation=reservation)
            except ApplicationError as error:
                self.message_user(request, f"{reservation}: {error}", messages.ERROR)
            else:
                cancelled += 1
        self.message_user(
            request, f"{counted(cancelled, 'reservation')} cancelled.", messages.SUCCESS
        )
