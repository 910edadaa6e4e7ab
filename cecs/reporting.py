"""A holder's CEC Reporting Forms: what a form must satisfy, and saving a draft.

Submitting, verifying and returning are transitions in cecs/services.py; this module
holds the holder's own writes, which the portal's pages call.
"""

import logging
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError
from holders.models import HolderProfile

from .hours import check_plausible, net_hours
from .models import ReportingForm
from .services import reporting_form_submit
from .uploads import MB, display_name, size_in_mb, stored_name, validate_upload

logger = logging.getLogger(__name__)

DEFAULT_TIME_ZONE = "America/Denver"  # AASC's
US_TIME_ZONES = [
    ("America/Denver", "Mountain time (Denver, Colorado)"),
    ("America/Phoenix", "Arizona time (Phoenix, no daylight saving)"),
    ("America/Los_Angeles", "Pacific time (Los Angeles)"),
    ("America/Chicago", "Central time (Chicago)"),
    ("America/New_York", "Eastern time (New York)"),
    ("America/Anchorage", "Alaska time (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii time (Honolulu)"),
]
MAX_FORM_HOURS = Decimal(100)  # ReportingForm's form_hours_in_range constraint
EARLIEST_YEAR = 2000

TEXT_FIELDS = ("title", "organisation", "description")
WHEN_FIELDS = (
    "date_from",
    "date_to",
    "start_time",
    "end_time",
    "gross_hours",
    "break_minutes",
    "time_zone",
)
FORM_FIELDS = ("activity_type", *TEXT_FIELDS, *WHEN_FIELDS)


class ReportingFormInvalid(ApplicationError):
    """The form's values break a rule; `errors` maps each field at fault to messages."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(" ".join(message for messages in errors.values() for message in messages))


def reporting_form_check(
    *,
    date_from,
    date_to=None,
    start_time=None,
    end_time=None,
    gross_hours=None,
    break_minutes=0,
    time_zone=DEFAULT_TIME_ZONE,
    now=None,
):
    """Check when the activity took place and compute the CECs it claims.

    Returns the values to store: `date_to` (None for a single day), the times or the
    gross hours (whichever was given), `break_minutes` and `hours` (net of meals and
    breaks). Raises ReportingFormInvalid naming the field at fault.
    """
    errors = {}
    refuse = partial(_refuse, errors)

    break_minutes = break_minutes or 0
    time_zone = _checked_time_zone(time_zone, refuse=refuse)
    # "Today" where the activity took place: a holder in New York just after midnight
    # may report the day that has begun there.
    today = (now or timezone.now()).astimezone(ZoneInfo(time_zone)).date()

    _check_first_day(date_from, today=today, refuse=refuse)
    date_to = _checked_last_day(date_to, date_from=date_from, today=today, refuse=refuse)
    several_days = date_to is not None and "date_to" not in errors
    days = (date_to - date_from).days + 1 if several_days else 1

    hours = None
    times = start_time is not None or end_time is not None
    hours_field = _hours_field(
        start_time=start_time,
        end_time=end_time,
        gross_hours=gross_hours,
        several_days=several_days,
        refuse=refuse,
    )
    if hours_field is not None:
        hours = _net_hours(
            start_time=start_time,
            end_time=end_time,
            gross_hours=gross_hours,
            break_minutes=break_minutes,
            hours_field=hours_field,
            refuse=refuse,
        )
        # With a wrong last day the number of days is unknown: check the hours once it is fixed.
        if hours is not None and "date_to" not in errors:
            _check_hours_claimable(hours, days=days, hours_field=hours_field, refuse=refuse)
    if errors:
        raise ReportingFormInvalid(errors)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "start_time": start_time if times else None,
        "end_time": end_time if times else None,
        "gross_hours": None if times else gross_hours,
        "break_minutes": break_minutes,
        "time_zone": time_zone,
        "hours": hours,
    }


# The steps of reporting_form_check, in the order it runs them. Each adds its messages with
# `refuse(field, message)`, so the errors keep the order in which the fields are checked.


def _refuse(errors, field, message):
    errors.setdefault(field, []).append(message)


def _checked_time_zone(time_zone, *, refuse):
    """The time zone to read the dates in: AASC's when the one given is not offered."""
    if time_zone not in dict(US_TIME_ZONES):
        refuse("time_zone", "Choose the time zone where the activity took place.")
        return DEFAULT_TIME_ZONE
    return time_zone


def _check_first_day(date_from, *, today, refuse):
    if date_from is None:
        refuse("date_from", "Give the date of the activity.")
    elif date_from.year < EARLIEST_YEAR:
        refuse("date_from", "Check the year: the date is too far in the past.")
    elif date_from > today:
        refuse("date_from", "The date is in the future: report an activity once it has happened.")


def _checked_last_day(date_to, *, date_from, today, refuse):
    """The last day to store: None for a single day (also when it repeats the first)."""
    if date_to is None or date_from is None:
        return date_to
    if date_to == date_from:
        return None
    if date_to < date_from:
        refuse("date_to", "The last day cannot be before the first.")
    elif date_to.year != date_from.year:
        refuse(
            "date_to",
            f"A form covers one calendar year: report the days in {date_to.year} "
            "on a separate form.",
        )
    elif date_to > today:
        refuse("date_to", "The last day is in the future: report the activity once it ends.")
    return date_to


def _hours_field(*, start_time, end_time, gross_hours, several_days, refuse):
    """Which field gives the hours ("end_time" for times, "gross_hours" for a total), or
    None when the times and the total hours are missing or given in a way that conflicts."""
    times = start_time is not None or end_time is not None
    if times and (start_time is None or end_time is None):
        missing = "end_time" if end_time is None else "start_time"
        refuse(missing, "Give both the start and end times, or neither.")
    elif times and several_days:
        refuse(
            "start_time",
            "Times can be given for a single day only. For several days, leave the times "
            "empty and give the total hours.",
        )
    elif times and gross_hours is not None:
        refuse("gross_hours", "Give either the start and end times or the total hours, not both.")
    elif not times and gross_hours is None:
        refuse("gross_hours", "Give the start and end times, or the total hours.")
    else:
        return "end_time" if times else "gross_hours"
    return None


def _net_hours(*, start_time, end_time, gross_hours, break_minutes, hours_field, refuse):
    """The hours without meals and breaks, or None. Computed once without the breaks
    first, so that a fault in the times or total is not blamed on the breaks."""
    try:
        net_hours(start=start_time, end=end_time, gross_hours=gross_hours)
    except ApplicationError as error:
        refuse(hours_field, str(error))
        return None
    try:
        return net_hours(
            start=start_time, end=end_time, gross_hours=gross_hours, break_minutes=break_minutes
        )
    except ApplicationError as error:
        refuse("break_minutes", str(error))
        return None


def _check_hours_claimable(hours, *, days, hours_field, refuse):
    """Plausible for the number of days, and within what one form may claim."""
    try:
        check_plausible(hours, days=days)
    except ApplicationError as error:
        refuse(hours_field, str(error))
    else:
        if hours > MAX_FORM_HOURS:
            refuse(
                hours_field,
                f"A form can claim at most {MAX_FORM_HOURS:.0f} CECs; "
                "report the activity on several forms.",
            )


def _check_text(form_data):
    errors = {}
    if form_data.get("activity_type") not in dict(ReportingForm.ACTIVITY_TYPES):
        errors["activity_type"] = ["Choose the kind of activity."]
    for name in TEXT_FIELDS:
        if not str(form_data.get(name) or "").strip():
            errors[name] = ["This field is required."]
    if errors:
        raise ReportingFormInvalid(errors)


def _upload_storage():
    return ReportingForm._meta.get_field("upload").storage


def _stored_size(storage, name):
    try:
        return storage.size(name)
    except OSError:  # the row names a file that is gone: it takes no space
        return 0


def upload_quota_check(*, holder, size, replacing=None):
    """Refuse a new file of `size` bytes that would take the holder's stored uploads over
    settings.CEC_UPLOAD_QUOTA_FILES files or CEC_UPLOAD_QUOTA_BYTES bytes. The file that
    `replacing` (a form) holds now is left out: it is deleted once the new one is saved.

    Call with the holder's row locked, so two uploads at once cannot both fit the last slot."""
    files_limit = settings.CEC_UPLOAD_QUOTA_FILES
    bytes_limit = settings.CEC_UPLOAD_QUOTA_BYTES
    stored = ReportingForm.objects.filter(holder=holder).exclude(upload="")
    if replacing is not None and replacing.pk is not None:
        stored = stored.exclude(pk=replacing.pk)
    names = list(stored.values_list("upload", flat=True))
    if len(names) + 1 > files_limit:
        raise ReportingFormInvalid(
            {
                "upload": [
                    f"You already have {len(names)} uploaded files, and each holder can keep "
                    f"at most {files_limit}. Nothing was saved. You can replace the file on a "
                    "draft or returned form, or contact AASC if you need to send more."
                ]
            }
        )
    storage = _upload_storage()
    total = sum(_stored_size(storage, name) for name in names) + size
    if total > bytes_limit:
        raise ReportingFormInvalid(
            {
                "upload": [
                    f"This file ({size_in_mb(size)} MB) would bring your uploaded files to "
                    f"{size_in_mb(total)} MB, and each holder can keep at most "
                    f"{bytes_limit / MB:g} MB. Nothing was saved. Upload a smaller scan (a "
                    "lower resolution, or black and white), or contact AASC."
                ]
            }
        )


def _delete_stored(storage, name):
    """Run after the commit that stopped naming `name`: the form's history keeps the
    name and the other details, not the file."""
    try:
        storage.delete(name)
    except OSError:
        # Left for `manage.py remove_orphan_uploads`.
        logger.exception("Could not delete the replaced upload %s", name)


@transaction.atomic
def reporting_form_save(
    *,
    holder,
    form_data,
    actor,
    upload=None,
    remove_upload=False,
    form=None,
    submit=False,
    now=None,
):
    """Save the holder's reporting form: a new draft when `form` is None, else changes
    to a draft or a returned form. `upload` is a new scan of the signed paper form
    (the form's history keeps the previous one's name; its file is deleted after the
    commit). With `submit`, the saved form goes to AASC in the same transaction (see
    services.reporting_form_submit). A new scan must pass validate_upload (including the
    virus scan) and fit the holder's upload quota; `remove_upload` drops the form's scan.
    """
    if upload is not None and remove_upload:
        raise ReportingFormInvalid(
            {
                "remove_upload": [
                    "Choose a new file to replace the uploaded one, or remove it; not both."
                ]
            }
        )
    _check_text(form_data)
    values = {name: form_data.get(name) for name in FORM_FIELDS}
    for name in TEXT_FIELDS:
        values[name] = values[name].strip()
    values["time_zone"] = values["time_zone"] or DEFAULT_TIME_ZONE
    values.update(reporting_form_check(**{name: values[name] for name in WHEN_FIELDS}, now=now))
    kind = None
    if upload is not None:
        # Before any lock: the virus scan can take a moment.
        try:
            kind = validate_upload(upload)
        except ValidationError as error:
            raise ReportingFormInvalid({"upload": error.messages}) from error

    if form is None:
        form = ReportingForm(holder=holder)
    else:
        form = ReportingForm.objects.select_for_update().get(pk=form.pk)
        if form.holder_id != holder.pk:
            raise ApplicationError("This form belongs to another holder.")
        if not form.is_editable:
            raise ApplicationError(
                f"This form is {form.get_status_display().lower()} and can no longer be changed."
            )
    for name, value in values.items():
        setattr(form, name, value)
    changed = list(values)

    new_file = old_file = None
    if upload is not None:
        # Same lock order as services._locked_form: the form, then its holder.
        HolderProfile.objects.select_for_update().only("pk").get(pk=holder.pk)
        upload_quota_check(holder=holder, size=upload.size, replacing=form)
        old_file = form.upload.name or None
        form.upload_name = display_name(upload.name, extension=kind.extension)
        form.upload.save(stored_name(kind), upload, save=False)
        new_file = form.upload.name
        changed += ["upload", "upload_name"]
    elif remove_upload and form.upload:
        old_file = form.upload.name
        form.upload = ""
        form.upload_name = ""
        changed += ["upload", "upload_name"]

    form._history_user = actor
    try:
        if form.pk is None:
            form.save()
        else:
            form.save(update_fields=changed)
        if submit:
            form = reporting_form_submit(form=form, actor=actor, now=now)
    except Exception:
        if new_file:  # the row that would name it is rolled back
            form.upload.storage.delete(new_file)
        raise
    if old_file and old_file != new_file:
        transaction.on_commit(partial(_delete_stored, form.upload.storage, old_file))
    return form
