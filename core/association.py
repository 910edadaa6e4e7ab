"""Reads of AASC's contact details and FAQ (core.models), for pages, the footer and mail.

Every page's footer and every email shows the contact details, and staff change them
rarely, so the row is cached until it is saved (AssociationContact.save forgets it)."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse

from .models import AssociationContact, FaqEntry

# Demo values for a new install (the admin's help marks the invented ones for staff to replace).
DEFAULTS = {
    "name": "Apartment Association of Southern Colorado",
    "short_name": "AASC",
    "phone": "(719) 555-0142",
    "email": "renewals@aasc.example.org",
    "street": "102 S Tejon St, Suite 600",
    "city": "Colorado Springs",
    "state": "CO",
    "zip_code": "80903",
    "office_hours": (
        "Monday to Friday, 8:30 am to 4:30 pm (Mountain Time)\nClosed on public holidays"
    ),
    "website": "https://www.aasc.example.org",
}

# The cached value is a pickled row: a deploy that changes its columns uses a new key.
_COLUMNS = ",".join(field.attname for field in AssociationContact._meta.concrete_fields)
CACHE_KEY = f"core:association-contact:{hashlib.sha256(_COLUMNS.encode()).hexdigest()[:12]}"
CACHE_SECONDS = 60 * 60


def association_contact():
    """The contact details row, from the cache when it can."""
    contact = cache.get(CACHE_KEY)
    if contact is None:
        contact = _row()
        cache.set(CACHE_KEY, contact, timeout=CACHE_SECONDS)
    return contact


def _row():
    """The row, or (before the data migration's row exists) the defaults, unsaved: a page
    or an email never writes; the admin creates the row when staff first open it."""
    contact = AssociationContact.objects.filter(pk=AssociationContact.SINGLETON_PK).first()
    return contact or AssociationContact(pk=AssociationContact.SINGLETON_PK, **DEFAULTS)


def association_contact_for_edit():
    """The row staff edit in the admin, created with DEFAULTS if it is missing."""
    try:
        with transaction.atomic():
            contact, _ = AssociationContact.objects.get_or_create(
                pk=AssociationContact.SINGLETON_PK, defaults=DEFAULTS
            )
    except IntegrityError:  # another request created it first
        contact = AssociationContact.objects.get(pk=AssociationContact.SINGLETON_PK)
    return contact


def forget_association_contact():
    cache.delete(CACHE_KEY)


def published_faq():
    return FaqEntry.objects.filter(published=True)


def contact_page_url():
    """The contact page on settings.SITE_URL, for mail (the page's name is the site's)."""
    return f"{settings.SITE_URL}{reverse('help_contact')}"
