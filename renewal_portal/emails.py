"""Holder emails: a subject and a plain-text body from templates/emails/, and an HTML
part made from that text (escaped, links made clickable) in one shared layout."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils.html import escape


def render_text(template_name, context):
    """Plain text is not HTML: render without autoescaping ("O'Neil" stays as typed)."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def send_templated_email(*, to, template, context, attachments=()):
    """Send templates/emails/<template>_subject.txt and <template>.txt."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_text(f"emails/{template}_subject.txt", context).split())
    text = render_text(f"emails/{template}.txt", context)
    # The rendered text is marked safe; escape it for HTML explicitly.
    html = render_to_string("emails/_layout.html", {"subject": subject, "text": escape(text)})
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        to=[to],
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
