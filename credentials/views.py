from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from core.pdf import render_pdf
from holders.mixins import HolderRequiredMixin

from .card import renewal_card_pdf
from .invoice_access import own_invoice
from .selectors import (
    credential_standing,
    holder_credential,
    invoice_context,
    requirement_years,
)


class InvoicePdfView(LoginRequiredMixin, View):
    def get(self, request, number):
        invoice = own_invoice(request, number)
        pdf = render_pdf("pdf/invoice.html", invoice_context(invoice=invoice))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        return response


invoice_pdf_view = InvoicePdfView.as_view()


class RequirementsView(TemplateView):
    """Public help page: NAAEI's CEC requirements for each open or upcoming renewal, from
    the requirement data staff keep (never numbers written in the template)."""

    template_name = "credentials/requirements.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(years=requirement_years(), **kwargs)


requirements_view = RequirementsView.as_view()


class RenewalCardView(HolderRequiredMixin, View):
    """The holder's renewal card for one of their own credentials (anyone else's is a
    404), once it is renewed or active; otherwise back to the dashboard, saying why."""

    def get(self, request, pk):
        credential = holder_credential(holder=self.holder, pk=pk)
        if credential is None:
            raise Http404
        standing = credential_standing(credential=credential)
        if not standing.card_available:
            messages.warning(request, standing.card_refusal)
            return redirect("dashboard")
        pdf = renewal_card_pdf(credential=credential)
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = f"renewal-card-{credential.credential_type.code}-{credential.number}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


renewal_card_view = RenewalCardView.as_view()
