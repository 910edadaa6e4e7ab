"""Filters for holder-typed text in email templates (see renewal_portal.emails)."""

from django import template

from renewal_portal import emails

register = template.Library()

register.filter("nolink", emails.nolink)
register.filter("plain_title", emails.plain_title)
