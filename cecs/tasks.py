from core.mail_tasks import mail_task

# Mail the holder set off themselves (filing a form, submitting CECs) counts against
# HOLDER_MAIL_RATE; decisions by AASC staff and NAAEI reviewers always go out.
HOLDER_TRIGGERED = {"submitted", "received"}


@mail_task(name="cecs.reporting_form_notify")
def reporting_form_notify_task(form_id, event):
    """Email the holder that their reporting form was submitted, verified or returned."""
    from holders.mail import send_holder_email

    from .models import ReportingForm

    form = ReportingForm.objects.select_related("holder").get(pk=form_id)
    send_holder_email(
        holder=form.holder,
        template=f"reporting_form_{event}",
        context={"form": form, "holder": form.holder},
        holder_triggered=event in HOLDER_TRIGGERED,
    )


@mail_task(name="cecs.submission_notify")
def submission_notify_task(submission_id, event):
    """Email the holder that their CEC submission was received, approved or rejected."""
    from core.next_step import renewal_next_step
    from holders.mail import send_holder_email

    from .models import Submission

    submission = Submission.objects.select_related("holder", "cycle", "invoice").get(
        pk=submission_id
    )
    context = {"submission": submission, "holder": submission.holder}
    if event == "approved":
        context["next_step"] = renewal_next_step(invoice=submission.invoice)
    if event == "rejected":
        context["not_accepted"] = list(submission.not_accepted_lines())
    send_holder_email(
        holder=submission.holder,
        template=f"submission_{event}",
        context=context,
        holder_triggered=event in HOLDER_TRIGGERED,
    )


@mail_task(name="cecs.entry_corrected_notify")
def entry_corrected_notify_task(entry_id, event="corrected"):
    """Email the holder that AASC corrected, added or withdrew one of their CEC entries."""
    from holders.mail import send_holder_email

    from .models import CecEntry

    entry = CecEntry.objects.select_related("holder", "source").get(pk=entry_id)
    send_holder_email(
        holder=entry.holder,
        template=f"entry_{event}",
        context={"entry": entry, "holder": entry.holder},
    )
