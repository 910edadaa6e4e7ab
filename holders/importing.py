"""Fast all-or-nothing import of NAAEI's holder list (member number, names, email).

The admin keeps django-import-export for previews of everyday files; this path is for
the full list (100,000 rows in seconds): each row is checked on its own without a
query, then the whole file against itself and the database in a few set queries, and
only a clean file is written, in bulk, in one transaction."""

from dataclasses import dataclass, field

from django import forms
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import HolderProfile

COLUMNS = ("member_number", "first_name", "last_name", "email")
BATCH = 5000
IMPORT_REASON = "imported from NAAEI's holder list"


class HolderRowForm(forms.Form):
    member_number = forms.CharField(max_length=20)
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(max_length=254)

    def clean_email(self):
        return self.cleaned_data["email"].lower()


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # (line, message)

    @property
    def ok(self):
        return not self.errors


def _clean_rows(rows, report):
    clean = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        report.rows += 1
        form = HolderRowForm({key: (row.get(key) or "").strip() for key in COLUMNS})
        if not form.is_valid():
            for name, messages in form.errors.items():
                report.errors.append((line, f"{name}: {' '.join(messages)}"))
            continue
        clean.append((line, form.cleaned_data))
    return clean


def _check_duplicates(clean, report):
    seen_numbers, seen_emails = {}, {}
    for line, data in clean:
        for seen, key in ((seen_numbers, "member_number"), (seen_emails, "email")):
            first = seen.setdefault(data[key], line)
            if first != line:
                report.errors.append((line, f"{key} {data[key]} repeats line {first}"))


def holders_import(rows, *, dry_run=False):
    """Import holder rows (dicts). Nothing is written unless every row is right."""
    report = ImportReport()
    clean = _clean_rows(rows, report)
    _check_duplicates(clean, report)
    numbers = [data["member_number"] for _, data in clean]
    existing = {p.member_number: p for p in HolderProfile.objects.filter(member_number__in=numbers)}
    email_owner = dict(
        HolderProfile.objects.filter(email__in=[data["email"] for _, data in clean]).values_list(
            "email", "member_number"
        )
    )
    for line, data in clean:
        owner = email_owner.get(data["email"])
        if owner is not None and owner != data["member_number"]:
            report.errors.append((line, f"email {data['email']} belongs to another holder"))
    if report.errors or dry_run:
        report.errors.sort()
        return report
    to_create, to_update = [], []
    for _, data in clean:
        profile = existing.get(data["member_number"])
        if profile is None:
            to_create.append(HolderProfile(**data))
        elif any(getattr(profile, key) != value for key, value in data.items()):
            if profile.email != data["email"]:
                profile.email_verified = True  # AASC's own list: staff-typed, so verified
            for key, value in data.items():
                setattr(profile, key, value)
            to_update.append(profile)
        else:
            report.unchanged += 1
    # With their history rows (one more INSERT per batch), as every other change to a
    # holder has: the audit page shows who was created or renamed by an import.
    with transaction.atomic():
        bulk_create_with_history(
            to_create, HolderProfile, batch_size=BATCH, default_change_reason=IMPORT_REASON
        )
        bulk_update_with_history(
            to_update,
            HolderProfile,
            ["first_name", "last_name", "email", "email_verified"],
            batch_size=BATCH,
            default_change_reason=IMPORT_REASON,
        )
    report.created, report.updated = len(to_create), len(to_update)
    return report
