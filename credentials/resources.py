from import_export import fields, resources, widgets

from holders.models import HolderProfile

from .models import CredentialType, HeldCredential
from .selectors import new_credential_status


class HeldCredentialImportResource(resources.ModelResource):
    """CSV import of held credentials: member_number, credential_code, credential_number,
    earned, expires (dates as YYYY-MM-DD; expires empty for lifetime credentials).

    Rows match on (credential code, credential number); the whole file is
    checked first and nothing is written if a row is wrong."""

    member_number = fields.Field(
        attribute="holder",
        column_name="member_number",
        widget=widgets.ForeignKeyWidget(HolderProfile, field="member_number"),
    )
    credential_code = fields.Field(
        attribute="credential_type",
        column_name="credential_code",
        widget=widgets.ForeignKeyWidget(CredentialType, field="code"),
    )
    credential_number = fields.Field(attribute="number", column_name="credential_number")
    earned = fields.Field(
        attribute="earned_on", column_name="earned", widget=widgets.DateWidget("%Y-%m-%d")
    )
    expires = fields.Field(
        attribute="expires_on", column_name="expires", widget=widgets.DateWidget("%Y-%m-%d")
    )

    class Meta:
        model = HeldCredential
        fields = ("member_number", "credential_code", "credential_number", "earned", "expires")
        import_id_fields = ("credential_code", "credential_number")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def before_import_row(self, row, **kwargs):
        for key in ("member_number", "credential_code", "credential_number"):
            if row.get(key) is not None:
                row[key] = str(row[key]).strip()
        if row.get("credential_code"):
            row["credential_code"] = row["credential_code"].upper()

    def before_save_instance(self, instance, row, **kwargs):
        # A credential the file adds gets the status the calendar gives it, as one staff
        # add does; one it updates keeps its own (the daily refresh moves it).
        if instance.pk is None:
            instance.status = new_credential_status(credential=instance)
