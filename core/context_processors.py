from django.utils.functional import SimpleLazyObject

from .association import association_contact


def association(request):
    """AASC's contact details for the footer and the pages that name them: read (from the
    cache) only when a template uses them, once per request."""
    return {"association": SimpleLazyObject(association_contact)}
