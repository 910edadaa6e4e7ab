"""Phase one's finished 2026 cycle: invoices with their lines, payments, checkout attempts
and reminders, then the ledger and the approved (some first rejected) submissions; for the
seeding command (bench/management/commands/seed_scale.py) to mix in."""

import datetime

from bench.seeding.constants import ISSUED_2026, PAST_CYCLE, local
from bench.seeding.plan import count_cecs
from bench.seeding.writer import reserve_ids
from cecs.models import Submission
from credentials.models import RenewalInvoice
from credentials.selectors import cecs_owed_from
from credentials.services import invoice_number


class PastCycleWriter:
    def write_past_cycle(self, cursor, plans, renewing):
        """The 2026 invoices, payments, reminders, ledger and submissions."""
        cycle = self.cycles[PAST_CYCLE]
        invoiced = [p for p in plans if p.index in renewing]
        invoice0 = reserve_ids(cursor, RenewalInvoice, len(invoiced))
        invoices, lines, payments, checkouts, reminders = [], [], [], [], []
        submission_plans = []
        for k, p in enumerate(invoiced):
            invoice_id = invoice0 + k
            credentials = renewing[p.index]
            invoice, submission = self._past_invoice(p, invoice_id, credentials)
            invoices.append(invoice)
            if submission is not None:
                submission_plans.append(submission)
            status, fees, paid_at = invoice[4], invoice[5], local(p.paid_2026_on, 8, key=p.index)
            for credential_id, ctype in credentials:
                lines.append(self._line(invoice_id, credential_id, ctype, p))
            if status in (RenewalInvoice.Status.PAID, RenewalInvoice.Status.REFUNDED):
                payments.append(self._payment(invoice_id, fees, paid_at, status, p))
                checkouts.append(self._checkout(invoice_id, fees, paid_at, "completed"))
            for stage, day in (("issued", ISSUED_2026), ("due-30", local(cycle.due_on, 8))):
                if stage == "due-30":
                    day -= datetime.timedelta(days=30)
                reminders.append(self._reminder(invoice_id, stage, day, p, "sent"))
        self.tables["invoice"].write(cursor, invoices)
        self._write_with_ids(cursor, "line", lines)
        self._write_with_ids(cursor, "payment", payments)
        self._write_with_ids(cursor, "checkout", checkouts)
        self._write_with_ids(cursor, "reminder", reminders)
        self.write_ledger(cursor, plans)
        self.write_submissions(cursor, PAST_CYCLE, self._past_submissions(submission_plans))

    def _past_invoice(self, p, invoice_id, credentials):
        """The holder's 2026 invoice row, and its submission's plan (None when the holder
        submitted none)."""
        cycle = self.cycles[PAST_CYCLE]
        owed = cecs_owed_from(
            self.requirements[PAST_CYCLE].get(ctype.pk) for _, ctype in credentials
        )
        fees = sum(ctype.annual_fee_cents for _, ctype in credentials)
        fee_waived = bool(p.waiver_2026 and p.waiver_2026[0])
        cecs_waived = p.emeritus or bool(p.waiver_2026 and p.waiver_2026[1])
        owes = not cecs_waived and owed.total > 0
        status = _past_status(p, fee_waived)
        paid_at = local(p.paid_2026_on, 8, key=p.index)
        approved_at = submission = None
        if owes and not p.lapsed and p.has_account:
            counted = count_cecs(p.entries, 2025, owed.participation_cap)
            submitted = local(p.paid_2026_on, 12, key=p.index) + datetime.timedelta(days=2)
            approved_at = submitted + datetime.timedelta(days=5)
            submission = (p, invoice_id, owed, counted, submitted, approved_at)
        settled = status in (RenewalInvoice.Status.PAID, RenewalInvoice.Status.WAIVED)
        completed = None
        if settled and (approved_at is not None or not owes):
            completed = max(paid_at, approved_at) if approved_at else paid_at
        invoice = (
            invoice_id,
            invoice_number(year=PAST_CYCLE, holder_id=self.holder_ids[p.index]),
            self.holder_ids[p.index],
            cycle.pk,
            status,
            fees,
            fee_waived,
            owed.total,
            owed.in_network_minimum,
            owed.participation_cap,
            cecs_waived,
            cycle.cec_window_start,
            cycle.cec_window_end,
            cycle.due_on,
            cycle.grace_ends_on,
            ISSUED_2026,
            paid_at if status in ("paid", "refunded") else None,
            approved_at,
            completed,
        )
        return invoice, submission

    def _past_submissions(self, submission_plans):
        reviewers = self.accounts["reviewers"]
        for p, invoice_id, owed, counted, submitted, approved_at in submission_plans:
            reviewer = reviewers[p.index % len(reviewers)].pk
            if p.rejected_first_2026:
                rejected_at = submitted - datetime.timedelta(days=3)
                yield (
                    p,
                    invoice_id,
                    owed.total,
                    owed.in_network_minimum,
                    counted,
                    Submission.Status.REJECTED,
                    rejected_at - datetime.timedelta(days=4),
                    rejected_at,
                    reviewer,
                )
            yield (
                p,
                invoice_id,
                owed.total,
                owed.in_network_minimum,
                counted,
                Submission.Status.APPROVED,
                submitted,
                approved_at,
                reviewer,
            )


def _past_status(p, fee_waived):
    """Renewed: paid or waived; lapsed: left open, void, or paid and then refunded."""
    if p.lapsed:
        return (
            RenewalInvoice.Status.OPEN
            if p.past_invoice_roll < 0.7
            else RenewalInvoice.Status.VOID
            if p.past_invoice_roll < 0.85
            else RenewalInvoice.Status.REFUNDED
        )
    return RenewalInvoice.Status.WAIVED if fee_waived else RenewalInvoice.Status.PAID
