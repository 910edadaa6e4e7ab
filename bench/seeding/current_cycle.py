"""Phase two: the 2027 cycle in progress, on the invoices `invoices_issue` has just issued
(a third paid, open checkouts, reminders, submissions pending, approved and rejected, some
renewals complete); for the seeding command (bench/management/commands/seed_scale.py) to
mix in."""

import datetime

from psycopg import sql

from bench.seeding.constants import CURRENT_CYCLE, ISSUED_2027, LAST_EARNED, local
from bench.seeding.plan import as_submitted, count_cecs, is_met
from bench.seeding.writer import table_name
from cecs.models import Submission
from credentials.models import HeldCredential, InvoiceLine, RenewalInvoice


class CurrentCycleWriter:
    def start_phase_two(self, cursor):
        """The invoice updates are collected here and applied in one UPDATE at the end."""
        cursor.execute(
            "CREATE TEMP TABLE seed_invoice_update (id bigint PRIMARY KEY, status text, "
            "paid_at timestamptz, cecs_approved_at timestamptz, completed_at timestamptz) "
            "ON COMMIT DROP"
        )
        self.completed_2027 = []

    def write_phase_two(self, cursor, plans):
        cycle = self.cycles[CURRENT_CYCLE]
        by_holder = {self.holder_ids[p.index]: p for p in plans}
        issued = RenewalInvoice.objects.filter(cycle=cycle, holder_id__in=by_holder).values_list(
            "holder_id",
            "id",
            "status",
            "fees_cents",
            "cecs_owed",
            "in_network_minimum",
            "participation_cap",
            "cecs_waived",
        )
        updates, payments, checkouts, reminders, submissions = [], [], [], [], []
        for holder_id, invoice_id, status, fees, owed, minimum, cap, waived in issued:
            p = by_holder[holder_id]
            owes = not waived and owed > 0
            paid_at = None
            if status == RenewalInvoice.Status.OPEN and p.paid_2027_on and fees:
                paid_at = local(p.paid_2027_on, 8, key=p.index)
                status = RenewalInvoice.Status.PAID
                payments.append(self._payment(invoice_id, fees, paid_at, status, p))
                checkouts.append(self._checkout(invoice_id, fees, paid_at, "completed"))
            elif status == RenewalInvoice.Status.OPEN and p.open_checkout_2027 and fees:
                checkouts.append(self._checkout(invoice_id, fees, local(LAST_EARNED, 20), "open"))
            approved_at = None
            if owes and p.has_account and p.submission_2027:
                made, approved_at = self._current_submissions(p, invoice_id, owed, minimum, cap)
                submissions += made
            settled = status in (RenewalInvoice.Status.PAID, RenewalInvoice.Status.WAIVED)
            completed = None
            if settled and (approved_at is not None or not owes):
                completed = max(filter(None, [paid_at, approved_at, ISSUED_2027]))
                self.completed_2027.append(invoice_id)
            if paid_at or approved_at or completed:
                updates.append((invoice_id, status, paid_at, approved_at, completed))
            stage_status = "failed" if p.reminder_failed_2027 else "sent"
            reminders.append(self._reminder(invoice_id, "issued", ISSUED_2027, p, stage_status))
        with cursor.copy(
            "COPY seed_invoice_update (id, status, paid_at, cecs_approved_at, completed_at) "
            "FROM STDIN"
        ) as copy:
            for row in updates:
                copy.write_row(row)
        self._write_with_ids(cursor, "payment", payments)
        self._write_with_ids(cursor, "checkout", checkouts)
        self._write_with_ids(cursor, "reminder", reminders)
        self.write_submissions(cursor, CURRENT_CYCLE, submissions)

    def _current_submissions(self, p, invoice_id, owed, minimum, cap):
        """The holder's 2027 submissions (none when the ledger does not meet the requirement)
        and when the last was approved (None unless it was)."""
        counted = count_cecs(p.entries, 2026, cap)
        if not is_met(counted, owed, minimum):
            return [], None
        reviewers = self.accounts["reviewers"]
        # After the last CEC counted, before today (November 26, 2026).
        day = LAST_EARNED + datetime.timedelta(days=1 + p.index % 8)
        last = local(day, 8, key=p.index)
        reviewer = reviewers[p.index % len(reviewers)].pk
        kinds = p.submission_2027.split("+")
        # A rejected submission held the claims NAAEI then did not accept.
        rejected = count_cecs(as_submitted(p.entries), 2026, cap)
        submissions = []
        for k, kind in enumerate(kinds):
            when = last - datetime.timedelta(days=4 * (len(kinds) - 1 - k))
            decided = when + datetime.timedelta(days=2)
            held = rejected if kind == Submission.Status.REJECTED else counted
            submissions.append((p, invoice_id, owed, minimum, held, kind, when, decided, reviewer))
        approved_at = decided if kinds[-1] == Submission.Status.APPROVED else None
        return submissions, approved_at

    def finish_phase_two(self, cursor):
        cursor.execute(
            sql.SQL(
                "UPDATE {} AS i SET status = u.status, paid_at = u.paid_at, "
                "cecs_approved_at = u.cecs_approved_at, completed_at = u.completed_at "
                "FROM seed_invoice_update AS u WHERE i.id = u.id"
            ).format(table_name(RenewalInvoice))
        )
        # A completed renewal moves each renewed credential's expiry on a year.
        renewed = InvoiceLine.objects.filter(invoice_id__in=self.completed_2027)
        HeldCredential.objects.filter(pk__in=renewed.values("held_credential_id")).update(
            expires_on=datetime.date(2027, 12, 31), status=HeldCredential.Status.ACTIVE
        )
        cursor.execute("DROP TABLE seed_invoice_update")
