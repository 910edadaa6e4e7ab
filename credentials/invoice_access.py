"""Which invoice a signed-in holder may open: shared by the credentials and payments views,
so payments need not import a view module of credentials."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from holders.selectors import holder_for_user

from .models import RenewalInvoice


def own_invoice(request, number):
    """The signed-in holder's invoice; anyone else's is a 404, never the data."""
    holder = holder_for_user(user=request.user)
    if holder is None:
        raise Http404
    return get_object_or_404(
        RenewalInvoice.objects.select_related("cycle", "holder").prefetch_related("lines"),
        holder=holder,
        number=number,
    )
