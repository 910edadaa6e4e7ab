"""Renewal step 2: pay the invoice by card (Stripe Checkout or the demo's test page)."""

import logging

import stripe
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from core.errors import ApplicationError
from core.next_step import renewal_next_action
from core.page_cache import cached_part, render_part, with_csrf_token
from credentials.invoice_access import own_invoice
from credentials.selectors import invoice_context
from holders.mixins import HolderRequiredMixin
from holders.renewal_version import renewal_cache_key
from holders.selectors import holder_for_user

from . import checkout, services, stripe_gateway
from .models import Payment
from .receipts import receipt_pdf

logger = logging.getLogger(__name__)


class InvoiceView(LoginRequiredMixin, TemplateView):
    """The invoice (credentials says what it holds) with the way to pay it."""

    template_name = "payments/invoice.html"

    def get_context_data(self, **kwargs):
        holder = holder_for_user(user=self.request.user)
        if holder is None:
            raise Http404
        number = kwargs["number"]
        # Cached only once rendered for this holder: another holder's number is a 404 and
        # never cached; an invoice moved to another record changes both holders' versions.
        content = cached_part(
            key=renewal_cache_key(holder=holder, page=f"invoice:{number}"),
            render=lambda: render_part(
                "payments/_invoice_content.html",
                invoice_context(invoice=own_invoice(self.request, number)),
            ),
        )
        return super().get_context_data(content=with_csrf_token(self.request, content), **kwargs)


def back_to_invoice(request, number, message):
    messages.error(request, message)
    return redirect("payments:invoice", number=number)


class PayView(LoginRequiredMixin, View):
    def post(self, request, number):
        invoice = own_invoice(request, number)
        try:
            services.ensure_payable(invoice)
        except ApplicationError as error:
            return back_to_invoice(request, number, str(error))
        if services.demo_gateway_enabled():
            return redirect("payments:test_checkout", number=number)
        if not stripe_gateway.is_configured():
            return back_to_invoice(
                request,
                number,
                "Card payments are not available right now. Please contact the AASC office.",
            )
        back = request.build_absolute_uri(reverse("payments:paid", args=[number]))
        try:
            attempt = checkout.checkout_start(
                invoice=invoice,
                success_url=back + "?session_id={CHECKOUT_SESSION_ID}",
                cancel_url=request.build_absolute_uri(reverse("payments:cancelled", args=[number])),
            )
        except ApplicationError as error:
            return back_to_invoice(request, number, str(error))
        except checkout.CheckoutUnavailable:
            # 503 with Retry-After: Stripe is failing, not the holder; the page leads back.
            response = render(
                request, "payments/unavailable.html", {"invoice": invoice}, status=503
            )
            response["Retry-After"] = "120"
            return response
        return redirect(attempt.url)


class TestCheckoutView(LoginRequiredMixin, View):
    """The embedded demo's payment page. It exists only in DEBUG without Stripe keys."""

    template_name = "payments/test_checkout.html"

    def dispatch(self, request, *args, **kwargs):
        if not services.demo_gateway_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, number):
        invoice = own_invoice(request, number)
        try:
            services.ensure_payable(invoice)
        except ApplicationError as error:
            return back_to_invoice(request, number, str(error))
        return render(request, self.template_name, {"invoice": invoice})

    def post(self, request, number):
        invoice = own_invoice(request, number)
        try:
            services.demo_gateway_pay(invoice=invoice)
        except ApplicationError as error:
            return back_to_invoice(request, number, str(error))
        return redirect("payments:paid", number=number)


class PaidView(LoginRequiredMixin, View):
    """Where Checkout sends the holder back. The webhook is the source of truth; this
    page also asks Stripe, through the same fulfilment, so the holder sees it at once."""

    def get(self, request, number):
        invoice = own_invoice(request, number)
        session_id = request.GET.get("session_id", "")
        if session_id and stripe_gateway.is_configured() and invoice.status != "paid":
            try:
                session = stripe_gateway.retrieve_checkout_session(session_id)
                if session.get("client_reference_id") == invoice.number:
                    services.fulfil_checkout_session(session)
            except stripe.StripeError:
                logger.warning("Could not confirm session %s on return", session_id)
            invoice.refresh_from_db()
        payment = invoice.payments.filter(status=Payment.Status.SUCCEEDED).first()
        context = {"invoice": invoice, "payment": payment}
        if payment is not None:
            context["next_action"] = renewal_next_action(holder=invoice.holder)
        return render(request, "payments/paid.html", context)


class CancelledView(LoginRequiredMixin, View):
    def get(self, request, number):
        invoice = own_invoice(request, number)
        return render(request, "payments/cancelled.html", {"invoice": invoice})


class PaymentHistoryView(HolderRequiredMixin, View):
    def get(self, request):
        payments = Payment.objects.filter(invoice__holder=self.holder).select_related(
            "invoice__cycle"
        )
        return render(request, "payments/history.html", {"payments": payments})


class ReceiptView(HolderRequiredMixin, View):
    def get(self, request, receipt_number):
        payment = get_object_or_404(
            Payment.objects.select_related("invoice__holder", "invoice__cycle"),
            receipt_number=receipt_number,
            invoice__holder=self.holder,
        )
        response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="receipt-{receipt_number}.pdf"'
        return response


@method_decorator(csrf_exempt, name="dispatch")
class StripeWebhookView(View):
    """Verify, store once, process once. 400 for anything Stripe did not sign; 500 (so
    Stripe retries) when processing fails, with the event and the error kept."""

    def post(self, request):
        try:
            event = stripe_gateway.parse_webhook(
                request.body, request.headers.get("Stripe-Signature")
            )
        except (ValueError, stripe_gateway.SignatureVerificationError):
            return HttpResponse("invalid payload or signature", status=400)
        row, _ = services.event_record(event)
        try:
            services.event_process(event_row_id=row.pk)
        except Exception:
            logger.exception("Stripe event %s failed", event["id"])
            return HttpResponse("processing failed; retry", status=500)
        return HttpResponse("ok")


invoice_view = InvoiceView.as_view()
pay_view = require_POST(PayView.as_view())
test_checkout_view = TestCheckoutView.as_view()
paid_view = PaidView.as_view()
cancelled_view = CancelledView.as_view()
history_view = PaymentHistoryView.as_view()
receipt_view = ReceiptView.as_view()
stripe_webhook_view = StripeWebhookView.as_view()
