from core.next_step import renewal_next_step
from core.pdf import render_pdf
from holders.mail import send_holder_email

from .models import Payment


def receipt_pdf(payment):
    return render_pdf("pdf/receipt.html", {"payment": payment, "invoice": payment.invoice})


def payment_receipt_send(*, payment_id):
    payment = Payment.objects.select_related("invoice__holder", "invoice__cycle").get(pk=payment_id)
    send_holder_email(
        holder=payment.invoice.holder,
        template="payment_receipt",
        context={
            "payment": payment,
            "invoice": payment.invoice,
            "holder": payment.invoice.holder,
            "next_step": renewal_next_step(invoice=payment.invoice),
        },
        attachments=[
            (f"receipt-{payment.receipt_number}.pdf", receipt_pdf(payment), "application/pdf")
        ],
    )
