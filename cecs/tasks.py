from renewal_portal.mail_tasks import mail_task


@mail_task(name="cecs.reporting_form_notify")
def reporting_form_notify_task(form_id, event):
    """Email the holder that their reporting form was submitted, verified or returned."""
    from renewal_portal.emails import send_templated_email

    from .models import ReportingForm

    form = ReportingForm.objects.select_related("holder").get(pk=form_id)
    send_templated_email(
        to=form.holder.email,
        template=f"reporting_form_{event}",
        context={"form": form, "holder": form.holder},
    )


@mail_task(name="cecs.submission_notify")
def submission_notify_task(submission_id, event):
    """Email the holder that their CEC submission was received, approved or rejected."""
    from renewal_portal.emails import send_templated_email

    from .models import Submission

    submission = Submission.objects.select_related("holder", "cycle", "invoice").get(
        pk=submission_id
    )
    send_templated_email(
        to=submission.holder.email,
        template=f"submission_{event}",
        context={"submission": submission, "holder": submission.holder},
    )


@mail_task(name="cecs.entry_corrected_notify")
def entry_corrected_notify_task(entry_id):
    """Email the holder that AASC corrected one of their CEC entries."""
    from renewal_portal.emails import send_templated_email

    from .models import CecEntry

    entry = CecEntry.objects.select_related("holder").get(pk=entry_id)
    send_templated_email(
        to=entry.holder.email,
        template="entry_corrected",
        context={"entry": entry, "holder": entry.holder},
    )
