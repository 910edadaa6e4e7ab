"""The rows more than one phase writes (invoice lines, payments, checkout attempts,
reminders), for the seeding command (bench/management/commands/seed_scale.py) to mix in."""

import datetime

from bench.seeding.constants import BRANDS, MEMBER_PREFIX, SEED_TOKEN
from bench.seeding.writer import reserve_ids
from credentials.models import RenewalInvoice
from payments.models import Payment


class RowWriter:
    def _write_with_ids(self, cursor, key, rows):
        table = self.tables[key]
        first = reserve_ids(cursor, table.model, len(rows))
        table.write(cursor, ((first + k, *row) for k, row in enumerate(rows)))

    def _line(self, invoice_id, credential_id, ctype, p):
        number = f"{ctype.code}-{MEMBER_PREFIX}{p.index:07d}"
        description = f"{ctype.code} renewal: {ctype.name}, no. {number}"
        return (invoice_id, credential_id, description, ctype.annual_fee_cents)

    def _payment(self, invoice_id, amount, paid_at, status, p):
        refunded = status == RenewalInvoice.Status.REFUNDED
        return (
            invoice_id,
            Payment.Provider.STRIPE,
            Payment.Status.REFUNDED if refunded else Payment.Status.SUCCEEDED,
            amount,
            "usd",
            f"cs_scale_{invoice_id}",
            f"pi_scale_{invoice_id}",
            BRANDS[p.index % len(BRANDS)],
            f"{4242 + p.index % 5000:04d}",
            paid_at,
            amount if refunded else 0,
            paid_at + datetime.timedelta(days=20) if refunded else None,
            f"SC-R-{invoice_id}",
        )

    def _checkout(self, invoice_id, amount, at, status):
        session = f"cs_scale_{invoice_id}" if status == "completed" else f"cs_open_{invoice_id}"
        return (
            invoice_id,
            1,
            f"aasc-invoice-{invoice_id}-checkout-1",
            amount,
            "usd",
            session,
            f"https://checkout.stripe.com/c/pay/{session}",
            status,
            at - datetime.timedelta(minutes=3),
            at + datetime.timedelta(hours=23),
        )

    def _reminder(self, invoice_id, stage, at, p, status):
        failed = status == "failed"
        return (
            invoice_id,
            self.stages[stage].pk,
            status,
            SEED_TOKEN,
            at,
            None if failed else at + datetime.timedelta(minutes=1),
            "" if failed else p.email,
            5 if failed else 1,
            "SMTP 451: try again later" if failed else "",
        )
