from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core.pdf import render_pdf

from .invoice_access import own_invoice
from .selectors import amount_due_cents, late_fee_due_cents


def invoice_context(invoice):
    today = timezone.localdate()
    return {
        "invoice": invoice,
        "holder": invoice.holder,
        "late_fee_due_cents": late_fee_due_cents(invoice=invoice, today=today),
        "amount_due_cents": amount_due_cents(invoice=invoice, today=today),
        "earning_year": invoice.cec_window_end.year,
    }


class InvoiceView(LoginRequiredMixin, TemplateView):
    template_name = "credentials/invoice.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **invoice_context(own_invoice(self.request, kwargs["number"])), **kwargs
        )


class InvoicePdfView(LoginRequiredMixin, View):
    def get(self, request, number):
        invoice = own_invoice(request, number)
        pdf = render_pdf("pdf/invoice.html", invoice_context(invoice))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        return response


invoice_view = InvoiceView.as_view()
invoice_pdf_view = InvoicePdfView.as_view()
