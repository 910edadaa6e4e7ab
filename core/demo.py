"""Demo FAQ for `make run`: what NAAEI tells holders (design.md), as entries staff edit."""

from django.db import transaction

from .models import FaqEntry

DEMO_FAQ = [
    (
        "I hold a CAMT, which is a lifetime credential. Why did I get an invoice?",
        "The CAMT never needs renewing, and it owes no CECs. An invoice to a CAMT holder is "
        "for AIME membership, the yearly membership open to CAMT holders.\n\n"
        "AIME membership does owe CECs each year: the invoice shows how many.",
    ),
    (
        "When do renewal invoices go out, and when is payment due?",
        "Invoices go out by email and by post each November for the next year. Fees are due "
        "January 1, with a grace period to March 31.",
    ),
    (
        "What happens if I renew after March 31?",
        "After March 31 a $50 reinstatement fee is added to your invoice, and your "
        "credentials lapse until the renewal is complete. You can still pay and submit your "
        "CECs: the portal adds the fee when you pay.",
    ),
    (
        "How do I get a receipt for my payment?",
        "When you pay online, a receipt is emailed to you at once, with a PDF copy attached. "
        "You can download it again at any time from the Payments page of the portal.",
    ),
    (
        "What do I get when my renewal is complete?",
        "Once your fee is paid and NAAEI has approved your CECs, your renewal is complete and "
        "your credentials are renewed for another year. NAAEI mails you a renewal card.",
    ),
]


@transaction.atomic
def seed_demo_faq():
    """Load the demo questions once (kept as staff edit them on a second run)."""
    for position, (question, answer) in enumerate(DEMO_FAQ, start=1):
        FaqEntry.objects.get_or_create(
            question=question, defaults={"answer": answer, "position": position * 10}
        )
