"""`{% load association %}`: AASC's contact details where no request context brings them
(the mail layout, which every email uses, core's and allauth's alike)."""

from django import template

from core.association import association_contact as contact_row
from core.association import contact_page_url as page_url

register = template.Library()


@register.simple_tag
def association_contact():
    """The contact details row (cached): `{% association_contact as association %}`."""
    return contact_row()


@register.simple_tag
def contact_page_url():
    """The contact page's absolute address, on settings.SITE_URL."""
    return page_url()
