from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.views import View

from core.pdf import render_pdf

from .invoice_access import own_invoice
from .selectors import invoice_context


class InvoicePdfView(LoginRequiredMixin, View):
    def get(self, request, number):
        invoice = own_invoice(request, number)
        pdf = render_pdf("pdf/invoice.html", invoice_context(invoice=invoice))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        return response


invoice_pdf_view = InvoicePdfView.as_view()
