"""Activity kinds become data staff edit (design.md: CEC sources). The kinds the ledger and
the reporting form used as fixed choices are loaded with the same codes, so every stored
entry and form keeps its kind, and the new ones are added: a legislative event (AASC
verifies it), NAA or NAAEI courses, another provider's course and college courses (claimed
with a certificate, for NAAEI to review)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from holders.roles import AASC_STAFF, NAAEI_REVIEWERS, grant

# code, name, category, checked by, evidence, help text
KINDS = [
    (
        "aasc_class",
        "AASC class",
        "in_network",
        "attendance",
        "none",
        "AASC records your attendance; the CECs appear in your ledger at once, with a certificate.",
    ),
    (
        "expo_class",
        "Expo class",
        "in_network",
        "aasc",
        "signed_form",
        "An education session at the AASC Expo. Report it on a CEC Reporting Form; AASC "
        "verifies and signs it.",
    ),
    (
        "naa_course",
        "NAA or NAAEI course",
        "in_network",
        "naaei",
        "certificate",
        "An NAAEI-approved course (such as NAA's online learning) or an NAA conference session "
        "such as Apartmentalize, live or recorded. Attach the certificate of completion; NAAEI "
        "reviews it with your submission.",
    ),
    (
        "committee",
        "Committee or board service",
        "participation",
        "aasc",
        "signed_form",
        "Serving on an NAA, NAAEI or AASC board or committee. Counts up to the participation cap.",
    ),
    (
        "volunteering",
        "Volunteering",
        "participation",
        "aasc",
        "signed_form",
        "Volunteering for AASC. Counts up to the participation cap.",
    ),
    (
        "legislative_event",
        "Legislative event",
        "participation",
        "aasc",
        "signed_form",
        "Taking part in an apartment-industry legislative event. Counts up to the "
        "participation cap.",
    ),
    (
        "other_provider",
        "Another provider's course",
        "other",
        "naaei",
        "certificate",
        "A course from another education provider or another industry conference. Attach the "
        "certificate of completion; NAAEI reviews it with your submission. Corporate in-house "
        "training (a company's own required courses) is not accepted.",
    ),
    (
        "college_course",
        "College course",
        "other",
        "naaei",
        "certificate",
        "A college or university course. Attach the transcript or certificate; NAAEI reviews it "
        "with your submission.",
    ),
]


VIEW = ["cecs.view_activitykind", "cecs.view_historicalactivitykind"]


def grant_roles(apps, schema_editor):
    # Staff keep the kinds (add, change; never delete: entries refer to them).
    grant(apps, AASC_STAFF, [*VIEW, "cecs.add_activitykind", "cecs.change_activitykind"])
    grant(apps, NAAEI_REVIEWERS, VIEW)


def load_kinds(apps, schema_editor):
    ActivityKind = apps.get_model("cecs", "ActivityKind")
    HistoricalActivityKind = apps.get_model("cecs", "HistoricalActivityKind")
    now = timezone.now()
    for order, (code, name, category, checked_by, evidence, help_text) in enumerate(KINDS):
        values = {
            "name": name,
            "category": category,
            "checked_by": checked_by,
            "evidence": evidence,
            "help_text": help_text,
            "display_order": (order + 1) * 10,
        }
        kind = ActivityKind.objects.create(code=code, **values)
        HistoricalActivityKind.objects.create(
            id=kind.id,
            code=code,
            **values,
            history_date=now,
            history_type="+",
            history_change_reason="loaded with the portal",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cecs", "0006_submitted_order_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityKind",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=30, unique=True)),
                ("name", models.CharField(max_length=100, unique=True)),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("in_network", "In-network education"),
                            ("participation", "Association participation"),
                            ("other", "Other education"),
                        ],
                        help_text="Where its CECs count. Entries keep the category they were recorded with.",
                        max_length=20,
                    ),
                ),
                (
                    "checked_by",
                    models.CharField(
                        choices=[
                            ("attendance", "AASC records attendance; counts at once"),
                            ("aasc", "AASC verifies and signs a CEC Reporting Form"),
                            ("naaei", "NAAEI reviews it with the submission"),
                        ],
                        default="aasc",
                        max_length=20,
                        verbose_name="checked by",
                    ),
                ),
                (
                    "evidence",
                    models.CharField(
                        choices=[
                            ("none", "None"),
                            ("signed_form", "Signed AASC form"),
                            ("certificate", "Certificate of completion"),
                        ],
                        default="none",
                        max_length=20,
                    ),
                ),
                (
                    "help_text",
                    models.TextField(
                        blank=True,
                        help_text="Shown to holders where they report it: what counts, what to attach.",
                    ),
                ),
                (
                    "active",
                    models.BooleanField(default=True, help_text="Inactive kinds are not offered."),
                ),
                ("display_order", models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                "verbose_name": "CEC activity kind",
                "ordering": ["display_order", "name"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalActivityKind",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=30)),
                ("name", models.CharField(db_index=True, max_length=100)),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("in_network", "In-network education"),
                            ("participation", "Association participation"),
                            ("other", "Other education"),
                        ],
                        help_text="Where its CECs count. Entries keep the category they were recorded with.",
                        max_length=20,
                    ),
                ),
                (
                    "checked_by",
                    models.CharField(
                        choices=[
                            ("attendance", "AASC records attendance; counts at once"),
                            ("aasc", "AASC verifies and signs a CEC Reporting Form"),
                            ("naaei", "NAAEI reviews it with the submission"),
                        ],
                        default="aasc",
                        max_length=20,
                        verbose_name="checked by",
                    ),
                ),
                (
                    "evidence",
                    models.CharField(
                        choices=[
                            ("none", "None"),
                            ("signed_form", "Signed AASC form"),
                            ("certificate", "Certificate of completion"),
                        ],
                        default="none",
                        max_length=20,
                    ),
                ),
                (
                    "help_text",
                    models.TextField(
                        blank=True,
                        help_text="Shown to holders where they report it: what counts, what to attach.",
                    ),
                ),
                (
                    "active",
                    models.BooleanField(default=True, help_text="Inactive kinds are not offered."),
                ),
                ("display_order", models.PositiveSmallIntegerField(default=0)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical CEC activity kind",
                "verbose_name_plural": "historical CEC activity kinds",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(load_kinds, migrations.RunPython.noop),
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="cecentry",
            name="source",
            field=models.ForeignKey(
                db_column="source",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="cecs.activitykind",
                to_field="code",
                verbose_name="activity kind",
            ),
        ),
        migrations.AlterField(
            model_name="historicalcecentry",
            name="source",
            field=models.ForeignKey(
                blank=True,
                db_column="source",
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="cecs.activitykind",
                to_field="code",
                verbose_name="activity kind",
            ),
        ),
        migrations.AlterField(
            model_name="historicalreportingform",
            name="activity_type",
            field=models.ForeignKey(
                blank=True,
                db_column="activity_type",
                db_constraint=False,
                limit_choices_to={"checked_by": "aasc"},
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="cecs.activitykind",
                to_field="code",
                verbose_name="kind of activity",
            ),
        ),
        migrations.AlterField(
            model_name="reportingform",
            name="activity_type",
            field=models.ForeignKey(
                db_column="activity_type",
                limit_choices_to={"checked_by": "aasc"},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cecs.activitykind",
                to_field="code",
                verbose_name="kind of activity",
            ),
        ),
    ]
