"""Templated emails: a subject and a plain-text body from templates/emails/, and an HTML
part made from that text in one shared layout.

What a holder typed (a form's title, their name) is data, never a link: the templates pass
it through `nolink` (bodies) and `plain_title` (subjects), both in the `mail_text` tag
library (core/templatetags/mail_text.py), and the HTML part turns only the portal's own page
URLs into links. Mail to a holder goes through holders.mail.send_holder_email, which asks
holders.selectors.holder_mail_recipient for the one verified address; this module knows no
holder and imports no project app.

Every email ends with AASC's contact details (emails/_contact.txt after the text, and
emails/_contact.html in the HTML layout): staff's own text, so shown as typed; body
templates may name them too (`association`, `contact_url`)."""

import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.defaultfilters import linebreaks_filter
from django.template.loader import get_template, render_to_string
from django.urls import Resolver404, resolve
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from .association import association_contact, contact_page_url

SUBJECT_MAX = 150
TITLE_MAX = 60

# What mail clients turn into links on their own: scheme URLs, www., e-mail addresses,
# bare domains (also with the ideographic and full-width dots IDNA reads as "."), IPv4.
_DOT = r"[.\u3002\uff0e\uff61]"
URLISH = re.compile(
    rf"""(?ix)
    (?:\b[a-z][a-z0-9+.\-]*://\S*)
    | (?:\b(?:mailto|tel|sms|javascript|data|file|ftp):\S+)
    | (?:\bwww{_DOT}\S*)
    | (?:\S+@\S+)
    | (?:\b(?:[\w-]+{_DOT})+[a-z]{{2,}}\b(?:[/:?#]\S*)?)
    | (?:\b\d{{1,3}}(?:{_DOT}\d{{1,3}}){{3}}\S*)
    """
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def _one_line(value):
    return " ".join(_CONTROL.sub(" ", str(value or "")).split())


def _defang(match):
    text = re.sub(r"^([a-z][a-z0-9+.\-]*):", r"\1[:]", match.group(0), flags=re.IGNORECASE)
    return re.sub(_DOT, "[.]", text).replace("@", "[at]")


def nolink(value):
    """Holder text inside a mail body: on one line, and with anything a mail client
    would make clickable defanged ("evil.example" → "evil[.]example")."""
    return URLISH.sub(_defang, _one_line(value))


def plain_title(value, length=TITLE_MAX):
    """Holder text inside a subject: one line, no URL-like words, at most `length` chars."""
    text = " ".join(URLISH.sub(" ", _one_line(value)).split())
    return Truncator(text).chars(length)


def render_text(template_name, context):
    """Plain text is not HTML: render without autoescaping ("O'Neil" stays as typed)."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def _portal_link(url, path):
    try:
        resolve(path)
    except Resolver404:
        return url  # looks like ours but is no page of ours: plain, escaped text
    return format_html('<a href="{}">{}</a>', url, url)


def html_body(text):
    """The HTML part: the text escaped, paragraphs kept, and links only for the portal's
    own pages (never urlize on the whole text: holder text would become links)."""
    portal_url = re.compile(re.escape(settings.SITE_URL) + r"(/[A-Za-z0-9/_\-.~%:]*)(?=[\s.,;)]|$)")
    rows, pos = [], 0
    for match in portal_url.finditer(text):
        rows.append((text[pos : match.start()], _portal_link(match.group(0), match.group(1))))
        pos = match.end()
    rows.append((text[pos:], ""))
    # format_html_join escapes the text; linebreaks keeps the links it is given as safe.
    return linebreaks_filter(format_html_join("", "{}{}", rows), autoescape=True)


def contact_context():
    """AASC's contact details for the block every email ends with: trusted text staff keep
    (core.association), shown as typed, never defanged as holder text is."""
    return {"association": association_contact(), "contact_url": contact_page_url()}


def send_templated_email(*, to, template, context, attachments=()):
    """Send templates/emails/<template>_subject.txt and <template>.txt to `to`.

    Holder mail calls send_holder_email instead; this sends to an address as given (the
    confirmation link for a new, not yet verified contact email is the one such mail)."""
    contact = contact_context()
    context = {"site_url": settings.SITE_URL, **contact, **context}
    subject = _one_line(render_text(f"emails/{template}_subject.txt", context))
    subject = Truncator(subject).chars(SUBJECT_MAX)
    body = render_text(f"emails/{template}.txt", context)
    text = f"{body.rstrip()}\n\n{render_text('emails/_contact.txt', contact)}"
    html = render_to_string("emails/_layout.html", {"subject": subject, "body": html_body(body)})
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        to=[to],
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
