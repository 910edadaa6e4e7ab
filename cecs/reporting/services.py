"""CEC Reporting Forms: the holder saves a draft (within the upload quota) and submits
it; AASC staff verify and sign it, or return it.

What a form must satisfy is in cecs/reporting/checks.py."""

import logging
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError
from holders.models import HolderProfile

from ..ledger.hours import earned_on_for
from ..ledger.services import entry_create, entry_withdraw
from ..models import ActivityKind, CecEntry, ReportingForm
from .checks import (
    DEFAULT_TIME_ZONE,
    FORM_FIELDS,
    TEXT_FIELDS,
    WHEN_FIELDS,
    ReportingFormInvalid,
    reporting_form_check,
)
from .selectors import form_in_review, form_kinds
from .uploads import MB, display_name, size_in_mb, stored_name, validate_upload

logger = logging.getLogger(__name__)


def reportable_kind(value):
    """The activity kind a form reports: an ActivityKind (the holder's page) or its code
    (other callers), if it is one AASC verifies on this form and still offered; else None."""
    code = value.code if isinstance(value, ActivityKind) else str(value or "")
    return form_kinds().filter(code=code).first()


def _check_text(form_data):
    errors = {}
    if reportable_kind(form_data.get("activity_type")) is None:
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


def _form_values(*, form_data, now):
    """The form's fields from the submitted data, checked and normalised."""
    _check_text(form_data)
    values = {name: form_data.get(name) for name in FORM_FIELDS}
    values["activity_type"] = reportable_kind(values["activity_type"])
    for name in TEXT_FIELDS:
        values[name] = values[name].strip()
    values["time_zone"] = values["time_zone"] or DEFAULT_TIME_ZONE
    checked = reporting_form_check(**{name: values[name] for name in WHEN_FIELDS}, now=now)
    # Not stored: the ledger counts an entry for the renewal whose window holds its date.
    checked.pop("renewal_year")
    values.update(checked)
    return values


def _upload_kind(*, upload):
    """The checked kind of a new scan, or None without one. Called before any lock: the
    virus scan can take a moment."""
    if upload is None:
        return None
    try:
        return validate_upload(upload)
    except ValidationError as error:
        raise ReportingFormInvalid({"upload": error.messages}) from error


def _editable_form(*, holder, form):
    """A new form for the holder, or theirs locked, refused unless it can still change."""
    if form is None:
        return ReportingForm(holder=holder)
    form = ReportingForm.objects.select_for_update().get(pk=form.pk)
    if form.holder_id != holder.pk:
        raise ApplicationError("This form belongs to another holder.")
    if not form.is_editable:
        raise ApplicationError(
            f"This form is {form.get_status_display().lower()} and can no longer be changed."
        )
    return form


def _replace_upload(*, form, holder, upload, kind, remove_upload):
    """Put the new scan on the form (within the quota), or drop its scan. Returns the
    stored names (new file, old file), either None, and the fields it changed."""
    if upload is not None:
        # Same lock order as _locked_form: the form, then its holder.
        HolderProfile.objects.select_for_update().only("pk").get(pk=holder.pk)
        upload_quota_check(holder=holder, size=upload.size, replacing=form)
        old_file = form.upload.name or None
        form.upload_name = display_name(upload.name, extension=kind.extension)
        form.upload.save(stored_name(kind), upload, save=False)
        return form.upload.name, old_file, ["upload", "upload_name"]
    if remove_upload and form.upload:
        old_file = form.upload.name
        form.upload = ""
        form.upload_name = ""
        return None, old_file, ["upload", "upload_name"]
    return None, None, []


def _save_form(*, form, changed, actor, submit, new_file, now):
    """Save the form (and submit it); on failure delete the new scan, since the row that
    would name it is rolled back."""
    form._history_user = actor
    try:
        if form.pk is None:
            form.save()
        else:
            form.save(update_fields=changed)
        if submit:
            form = reporting_form_submit(form=form, actor=actor, now=now)
    except Exception:
        if new_file:
            form.upload.storage.delete(new_file)
        raise
    return form


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
    reporting_form_submit). A new scan must pass validate_upload (including the
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
    values = _form_values(form_data=form_data, now=now)
    kind = _upload_kind(upload=upload)
    form = _editable_form(holder=holder, form=form)
    for name, value in values.items():
        setattr(form, name, value)
    new_file, old_file, upload_fields = _replace_upload(
        form=form, holder=holder, upload=upload, kind=kind, remove_upload=remove_upload
    )
    form = _save_form(
        form=form,
        changed=[*values, *upload_fields],
        actor=actor,
        submit=submit,
        new_file=new_file,
        now=now,
    )
    if old_file and old_file != new_file:
        transaction.on_commit(partial(_delete_stored, form.upload.storage, old_file))
    return form


# --- Transitions ---------------------------------------------------------------------


def _notify(form, event):
    from ..tasks import reporting_form_notify_task

    transaction.on_commit(lambda: reporting_form_notify_task.delay(form.pk, event))


def _locked_form(form):
    return (
        ReportingForm.objects.select_for_update(of=("self", "holder"))
        .select_related("holder", "activity_type")
        .get(pk=form.pk)
    )


@transaction.atomic
def reporting_form_submit(*, form, actor, now=None):
    """Send the form on: to AASC staff for a kind they verify; for a kind NAAEI reviews,
    into the ledger at once as claimed, with its evidence, for the submission."""
    form = _locked_form(form)
    if not form.is_editable:
        raise ApplicationError(f"This form is {form.get_status_display().lower()} already.")
    form.submitted_at = now or timezone.now()
    form._history_user = actor
    if form.activity_type.checked_by == ActivityKind.CheckedBy.NAAEI:
        return _claim(form)
    form.status = ReportingForm.Status.SUBMITTED
    form.save(update_fields=["status", "submitted_at"])
    _notify(form, "submitted")
    return form


def _claim(form):
    kind = form.activity_type
    if kind.evidence == ActivityKind.Evidence.CERTIFICATE and not form.upload:
        raise ReportingFormInvalid(
            {
                "upload": [
                    f"Attach the certificate of completion: NAAEI accepts a {kind.name} "
                    "only with its certificate."
                ]
            }
        )
    form.status = ReportingForm.Status.CLAIMED
    form.save(update_fields=["status", "submitted_at"])
    _entry_for(form, status=CecEntry.Status.CLAIMED)
    return form


def _entry_for(form, **status):
    """The ledger line a verified or claimed form becomes."""
    return entry_create(
        holder=form.holder,
        title=form.title,
        provider=form.organisation,
        earned_on=form_earned_on(form),
        hours=form.hours,
        source=form.activity_type_id,
        days=((form.date_to or form.date_from) - form.date_from).days + 1,
        reporting_form=form,
        **status,
    )


@transaction.atomic
def reporting_form_verify(*, form, actor, signer_name, signed_on=None, now=None):
    """AASC staff verify and sign a submitted form: it becomes a countable CEC entry."""
    if not signer_name.strip():
        raise ApplicationError("Give the name of the person signing for AASC.")
    form = _locked_form(form)
    if form.status != ReportingForm.Status.SUBMITTED:
        state = form.get_status_display().lower()
        raise ApplicationError(f"Only submitted forms can be verified; this one is {state}.")
    now = now or timezone.now()
    form.status = ReportingForm.Status.VERIFIED
    form.signer_name = signer_name.strip()
    form.signed_on = signed_on or timezone.localdate(now)
    form.verified_by = actor
    form.verified_at = now
    form._history_user = actor
    form.save(update_fields=["status", "signer_name", "signed_on", "verified_by", "verified_at"])
    _entry_for(form)
    _notify(form, "verified")
    return form


def reporting_forms_verify(*, forms, actor, signer_name, signed_on=None, now=None):
    """Verify and sign each of `forms` that staff checked, each in its own transaction, so
    one that cannot be verified (returned meanwhile, say) stops none of the others. Returns
    the forms verified and, for each refused, (form, why)."""
    verified, refused = [], []
    for form in forms:
        try:
            verified.append(
                reporting_form_verify(
                    form=form, actor=actor, signer_name=signer_name, signed_on=signed_on, now=now
                )
            )
        except ApplicationError as error:
            refused.append((form, str(error)))
    return verified, refused


@transaction.atomic
def reporting_form_return(*, form, actor, reason, now=None):
    if not reason.strip():
        raise ApplicationError("Tell the holder why the form is returned.")
    form = _locked_form(form)
    if form.status != ReportingForm.Status.SUBMITTED:
        state = form.get_status_display().lower()
        raise ApplicationError(f"Only submitted forms can be returned; this one is {state}.")
    form.status = ReportingForm.Status.RETURNED
    form.returned_reason = reason.strip()
    form.returned_by = actor
    form.returned_at = now or timezone.now()
    form._history_user = actor
    form.save(update_fields=["status", "returned_reason", "returned_by", "returned_at"])
    _notify(form, "returned")
    return form


REMOVED_NOTE = "You removed it."


@transaction.atomic
def reporting_form_remove(*, form, actor):
    """The holder takes back an activity AASC has not verified: a draft, a form AASC is
    checking or returned, or a claim (its ledger line is withdrawn and stops counting),
    unless the claim is in a submission NAAEI is reviewing or approved. The scan is
    deleted after the commit, unless NAAEI saw it with a submission (it stays as the
    record of what they reviewed)."""
    form = _locked_form(form)
    if not form.is_removable and form.status == ReportingForm.Status.CLAIMED:
        raise ApplicationError(
            f"NAAEI accepted “{form.title}” with your submission: it is part of your renewal "
            "record and cannot be removed."
        )
    if form.status == ReportingForm.Status.REMOVED:
        raise ApplicationError("You removed this form already.")
    if not form.is_removable:
        raise ApplicationError(
            f"This form is {form.get_status_display().lower()} and cannot be removed. "
            "If something is wrong, contact the AASC office."
        )
    if form_in_review(form=form):
        raise ApplicationError(
            f"“{form.title}” is in the submission NAAEI is reviewing, so it cannot be "
            "removed now. If NAAEI does not accept it, you can remove it then."
        )
    entry = CecEntry.objects.filter(reporting_form=form).first()
    keep_scan = False
    if entry is not None:
        entry_withdraw(entry=entry, reason=REMOVED_NOTE, actor=actor, notify=False)
        keep_scan = entry.submission_lines.exists()
    old_file = None if keep_scan else form.upload.name or None
    form.status = ReportingForm.Status.REMOVED
    changed = ["status"]
    if old_file:
        form.upload = ""
        changed.append("upload")
    form._history_user = actor
    form.save(update_fields=changed)
    if old_file:
        transaction.on_commit(partial(_delete_stored, form.upload.storage, old_file))
    return form


def form_earned_on(form):
    if form.date_to:
        return form.date_to
    return earned_on_for(day=form.date_from, at_time=form.start_time, time_zone=form.time_zone)
