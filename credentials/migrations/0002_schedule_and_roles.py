"""The credential types and the real CEC requirement schedule (design.md), and the
credentials permissions of the AASC staff and NAAEI reviewer roles.

Fees are starting values for AASC staff to set in the admin."""

from decimal import Decimal

from django.db import migrations

from holders.roles import AASC_STAFF, NAAEI_REVIEWERS, grant

TYPES = [
    # code, name, fee in cents, renews, order, family
    ("CAM", "Certified Apartment Manager", 12500, True, 1, "manager"),
    ("CAPS", "Certified Apartment Portfolio Supervisor", 12500, True, 2, "manager"),
    (
        "NALP",
        "Certified Apartment Leasing Professional (CALP, formerly NALP)",
        9500,
        True,
        3,
        "other",
    ),
    ("CAS", "Certified Apartment Supplier", 9500, True, 4, "other"),
    ("CAMT", "Certified Apartment Maintenance Technician (lifetime)", 0, False, 5, "lifetime"),
    ("AIME", "AIME membership (for CAMT holders)", 7500, True, 6, "other"),
]

# from_year: {family: (total, in-network minimum, participation cap)}
SCHEDULE = {
    2000: {"manager": (6, 0, 3), "other": (3, 0, 3), "lifetime": (0, 0, 3)},  # up to 2020
    2021: {"manager": (6, 3, 2), "other": (3, 2, 2), "lifetime": (0, 0, 2)},
    2022: {"manager": (8, 5, 2), "other": (5, 3, 2), "lifetime": (0, 0, 2)},
}

MODELS = [
    "credentialtype",
    "cecrequirement",
    "heldcredential",
    "renewalcycle",
    "waiver",
    "emeritusstatus",
]


def load(apps, schema_editor):
    CredentialType = apps.get_model("credentials", "CredentialType")
    CecRequirement = apps.get_model("credentials", "CecRequirement")
    for code, name, fee, renews, order, family in TYPES:
        credential_type, _ = CredentialType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "annual_fee_cents": fee,
                "renews": renews,
                "display_order": order,
            },
        )
        for from_year, by_family in SCHEDULE.items():
            total, minimum, cap = by_family[family]
            CecRequirement.objects.get_or_create(
                credential_type=credential_type,
                from_year=from_year,
                defaults={
                    "total_cecs": Decimal(total),
                    "in_network_minimum": Decimal(minimum),
                    "participation_cap": Decimal(cap),
                },
            )

    view = [f"credentials.view_{m}" for m in [*MODELS, "renewalinvoice", "invoiceline"]]
    view += [f"credentials.view_historical{m}" for m in [*MODELS, "renewalinvoice"]]
    manage = [f"credentials.{verb}_{m}" for m in MODELS for verb in ("add", "change")]
    grant(apps, AASC_STAFF, [*view, *manage, "credentials.issue_invoices"])
    grant(apps, NAAEI_REVIEWERS, view)


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0001_initial"),
        ("holders", "0002_roles"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
