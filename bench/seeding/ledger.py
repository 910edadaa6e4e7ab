"""Phase one's ledger: reporting forms (verified ones back their entries), AASC class
attendance and CEC entries, and the submissions of both cycles; for the seeding command
(bench/management/commands/seed_scale.py) to mix in."""

import datetime

from bench.seeding.constants import FORM_SOURCES, PROVIDERS, local
from bench.seeding.plan import category_of
from bench.seeding.writer import reserve_ids
from cecs.classes.services import AASC
from cecs.models import Attendance, CecEntry, ReportingForm, Source, Submission


class LedgerWriter:
    def write_ledger(self, cursor, plans):
        """Reporting forms (verified ones back their entries), attendance and CEC entries."""
        t = self.tables
        staff = self.accounts["staff"]
        n_forms = sum(
            sum(e.source in FORM_SOURCES or bool(e.claim) for e in p.entries) + len(p.pending_forms)
            for p in plans
            if p.has_account
        )
        n_attendance = sum(e.source == Source.AASC_CLASS for p in plans for e in p.entries)
        n_entries = sum(len(p.entries) for p in plans)
        # The next id of each table, taken in blocks here and handed out in order below.
        next_id = {
            "form": reserve_ids(cursor, ReportingForm, n_forms),
            "attendance": reserve_ids(cursor, Attendance, n_attendance),
            "entry": reserve_ids(cursor, CecEntry, n_entries),
        }
        forms, attendances, entries = [], [], []
        for p in plans:
            self.entry_start[p.index] = next_id["entry"]
            verifier = staff[p.index % len(staff)].pk
            for e in p.entries:
                entries.append(self._entry(p, e, verifier, next_id, forms, attendances))
            if p.has_account:
                forms += self._pending_forms(p, verifier, next_id)
        t["form"].write(cursor, forms)
        t["attendance"].write(cursor, attendances)
        t["entry"].write(cursor, entries)

    def _entry(self, p, e, verifier, next_id, forms, attendances):
        """The CEC entry row of one planned entry; its attendance or verified reporting form
        goes into `attendances` or `forms`."""
        source = e.source
        if source == Source.OTHER_PROVIDER or (source in FORM_SOURCES and not p.has_account):
            source = Source.OTHER_PROVIDER
        attendance = form = None
        note = e.correction_note
        if source == Source.AASC_CLASS:
            title = self.classes[e.year][e.class_index][2]
            provider = AASC
            attendance = next_id["attendance"]
            row = self._attendance(p, e, attendance, verifier)
            note = f"Attendance removed: {row[-1]}" if e.withdrawn else ""
            attendances.append(row)
            next_id["attendance"] += 1
        elif source in FORM_SOURCES:
            title, provider = _form_title(source, e.topic, e.year)
            form = next_id["form"]
            forms.append(self._verified_form(p, e, form, source, verifier))
            next_id["form"] += 1
        elif e.claim:
            title, provider = _form_title(source, e.topic, e.year)
            form = next_id["form"]
            forms.append(self._claimed_form(p, e, form))
            next_id["form"] += 1
        else:
            title, provider = f"{e.topic} (online)", PROVIDERS[p.index % len(PROVIDERS)]
        entry_id = next_id["entry"]
        next_id["entry"] += 1
        return (
            entry_id,
            self.holder_ids[p.index],
            title,
            provider,
            e.earned_on,
            e.hours,
            source,
            category_of(source),
            e.status,
            attendance,
            form,
            f"Z{entry_id:010X}",
            note,
        )

    def _attendance(self, p, e, attendance_id, verifier):
        recorded = local(e.earned_on, 17)
        withdrawn_at = recorded + datetime.timedelta(days=1) if e.withdrawn else None
        reason = "Recorded by mistake: not on the sign-in sheet" if e.withdrawn else ""
        return (
            attendance_id,
            self.class_ids[(e.year, e.class_index)],
            self.holder_ids[p.index],
            verifier,
            recorded,
            withdrawn_at,
            reason,
        )

    def _verified_form(self, p, e, form_id, source, verifier):
        title, provider = _form_title(source, e.topic, e.year)
        submitted = local(e.earned_on, 12, key=form_id) + datetime.timedelta(days=2)
        verified = submitted + datetime.timedelta(days=3)
        return (
            form_id,
            self.holder_ids[p.index],
            source,
            title,
            provider,
            e.earned_on,
            e.hours,
            f"{title}, {e.hours} hours net of breaks.",
            ReportingForm.Status.VERIFIED,
            submitted,
            "A. Signer",
            verified.date(),
            verifier,
            verified,
            "",
            None,
            None,
        )

    def _claimed_form(self, p, e, form_id):
        """The form of a course claimed for NAAEI to review: claimed on submitting, no AASC
        signature (the certificate is its evidence; the seed leaves the upload blank)."""
        title, provider = _form_title(e.source, e.topic, e.year)
        submitted = local(e.earned_on, 12, key=form_id) + datetime.timedelta(days=3)
        return (
            form_id,
            self.holder_ids[p.index],
            e.source,
            title,
            provider,
            e.earned_on,
            e.hours,
            f"{title}, {e.hours} hours, certificate of completion.",
            ReportingForm.Status.CLAIMED,
            submitted,
            "",
            None,
            None,
            None,
            "",
            None,
            None,
        )

    def _pending_forms(self, p, verifier, next_id):
        """The holder's reporting forms not yet verified: drafts, submitted, returned,
        removed by the holder."""
        forms = []
        for status, day, hours, source in p.pending_forms:
            form_id = next_id["form"]
            title, provider = _form_title(source, "Pending report", 2026)
            submitted = (
                None if status == ReportingForm.Status.DRAFT else local(day, 12, key=form_id)
            )
            returned = status == ReportingForm.Status.RETURNED
            forms.append(
                (
                    form_id,
                    self.holder_ids[p.index],
                    source,
                    title,
                    provider,
                    day,
                    hours,
                    f"{title}, {hours} hours net of breaks.",
                    status,
                    submitted,
                    "",
                    None,
                    None,
                    None,
                    "Attach the sign-in sheet, please." if returned else "",
                    verifier if returned else None,
                    submitted + datetime.timedelta(days=2) if returned else None,
                )
            )
            next_id["form"] += 1
        return forms

    def write_submissions(self, cursor, year, rows):
        """rows: (plan, invoice id, owed, minimum, Counted, status, submitted, decided,
        reviewer id)."""
        rows = list(rows)
        cycle = self.cycles[year]
        first = reserve_ids(cursor, Submission, len(rows))
        submissions, lines = [], []
        for k, (
            p,
            invoice_id,
            owed,
            minimum,
            counted,
            status,
            submitted,
            decided,
            who,
        ) in enumerate(rows):
            submission_id = first + k
            rejected = status == Submission.Status.REJECTED
            # What NAAEI named in rejecting: the lines whose entries it did not accept.
            reasons = [
                p.entries[pos].correction_note if rejected else "" for pos, _ in counted.lines
            ]
            named = sum(map(bool, reasons))
            submissions.append(
                (
                    submission_id,
                    self.holder_ids[p.index],
                    cycle.pk,
                    invoice_id,
                    status,
                    owed,
                    minimum,
                    counted.total,
                    counted.in_network,
                    counted.participation,
                    submitted,
                    self.user_ids[p.index],
                    decided if status != Submission.Status.PENDING else None,
                    who if status != Submission.Status.PENDING else None,
                    _rejection_reason(named) if rejected else "",
                )
            )
            start = self.entry_start[p.index]
            lines += [
                (submission_id, start + pos, hours, reason)
                for (pos, hours), reason in zip(counted.lines, reasons, strict=True)
            ]
        self.tables["submission"].write(cursor, submissions)
        self._write_with_ids(cursor, "submission_entry", lines)


def _rejection_reason(named):
    if named:  # as cecs.submissions.services.submission_reject sums up the named entries
        noun = "entry" if named == 1 else "entries"
        return f"NAAEI did not accept {named} {noun}: see each below."
    return "The Expo certificate does not show the hours."


def _form_title(source, topic, year):
    if source == Source.NAA_COURSE:
        return f"NAA course: {topic}", "NAA Education Institute"
    if source == Source.EXPO_CLASS:
        return f"Expo: {topic}", f"AASC Expo {year}"
    if source == Source.COMMITTEE:
        return "Education committee meeting", "AASC"
    return "Volunteering: community food drive", "AASC Cares"
