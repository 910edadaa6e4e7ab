"""The admin pages where AASC staff record a cheque, cash or bank-transfer payment against an
invoice, and a refund of one (payments.offline does the work)."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from core.errors import ApplicationError
from core.formatting import dollars
from credentials.models import RenewalInvoice

from .models import OFFLINE_PROVIDERS, Payment
from .offline import offline_payment_record, offline_refund_record

RECORD_PERMISSION = "payments.record_offline_payment"
REFUND_PERMISSION = "payments.refund_offline_payment"


def _cents(amount):
    return int((amount * 100).to_integral_value())


class OfflinePaymentForm(forms.Form):
    invoice_number = forms.CharField(max_length=40, help_text="As printed on the invoice.")
    method = forms.ChoiceField(
        label="Paid by",
        choices=[(value, Payment.Provider(value).label) for value in OFFLINE_PROVIDERS],
    )
    amount = forms.DecimalField(
        label="Amount ($)", min_value=Decimal("0.01"), max_digits=9, decimal_places=2
    )
    reference = forms.CharField(
        label="Cheque number or transfer reference", max_length=100, required=False
    )
    received_on = forms.DateField(
        label="Date received", widget=AdminDateWidget, initial=timezone.localdate
    )

    def clean_invoice_number(self):
        number = self.cleaned_data["invoice_number"].strip()
        invoice = (
            RenewalInvoice.objects.select_related("holder").filter(number__iexact=number).first()
        )
        if invoice is None:
            raise forms.ValidationError(f"No invoice has the number {number}.")
        self.invoice = invoice
        return invoice.number


class OfflineRefundForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount refunded ($)", min_value=Decimal("0.01"), max_digits=9, decimal_places=2
    )
    reason = forms.CharField(label="Why", max_length=200)


class OfflinePaymentAdminMixin:
    """On the payment admin: "Record a cheque, cash or transfer payment" (changelist) and
    "Record a refund" (the change page of an offline payment)."""

    def has_record_offline_permission(self, request):
        return request.user.has_perm(RECORD_PERMISSION)

    def has_refund_offline_permission(self, request):
        return request.user.has_perm(REFUND_PERMISSION)

    def get_urls(self):
        return [
            path(
                "record-offline/",
                self.admin_site.admin_view(self.record_offline_view),
                name="payments_payment_record_offline",
            ),
            path(
                "<path:object_id>/refund-offline/",
                self.admin_site.admin_view(self.refund_offline_view),
                name="payments_payment_refund_offline",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "can_record_offline": self.has_record_offline_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payment = self.get_object(request, unquote(object_id))
        extra_context = {
            "can_refund_offline": payment is not None
            and payment.is_offline
            and payment.refunded_cents < payment.amount_cents
            and self.has_refund_offline_permission(request),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _render(self, request, template, title, **context):
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context},
        )

    def record_offline_view(self, request):
        if not self.has_record_offline_permission(request):
            raise PermissionDenied
        initial = {"invoice_number": request.GET.get("invoice", "")}
        form = OfflinePaymentForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                payment = offline_payment_record(
                    invoice=form.invoice,
                    method=data["method"],
                    amount_cents=_cents(data["amount"]),
                    reference=data["reference"],
                    received_on=data["received_on"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form.add_error(None, f"{error} Nothing was recorded.")
            else:
                holder = form.invoice.holder
                self.message_user(
                    request,
                    f"Recorded {payment.method_text}: {dollars(payment.amount_cents)} for invoice "
                    f"{payment.invoice.number} ({holder.full_name}). The invoice is paid and the "
                    "receipt is emailed to the holder.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:payments_payment_change", args=[payment.pk])
                )
        return self._render(
            request,
            "admin/payments/payment/record_offline.html",
            "Record a cheque, cash or bank transfer payment",
            form=form,
        )

    def refund_offline_view(self, request, object_id):
        payment = self.get_object(request, unquote(object_id))
        if payment is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_refund_offline_permission(request):
            raise PermissionDenied
        change_url = reverse("admin:payments_payment_change", args=[payment.pk])
        form = OfflineRefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                payment = offline_refund_record(
                    payment=payment,
                    amount_cents=_cents(form.cleaned_data["amount"]),
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form.add_error(None, f"{error} Nothing was recorded.")
            else:
                reopened = (
                    " The invoice is open for payment again."
                    if (payment.status == Payment.Status.REFUNDED)
                    else ""
                )
                self.message_user(
                    request,
                    f"Recorded a refund: {dollars(payment.refunded_cents)} of "
                    f"{dollars(payment.amount_cents)} refunded on {payment}.{reopened}",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        return self._render(
            request,
            "admin/payments/payment/refund_offline.html",
            f"Record a refund of {payment}",
            form=form,
            original=payment,
            change_url=change_url,
        )
