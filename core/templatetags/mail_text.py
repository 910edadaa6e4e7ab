"""`{% load mail_text %}`: filters for holder-typed text in email templates (see core.emails)."""

from django import template

from core import emails

register = template.Library()

register.filter("nolink", emails.nolink)
register.filter("plain_title", emails.plain_title)
