from import_export import fields, resources

from .models import HolderProfile


class HolderImportResource(resources.ModelResource):
    """CSV import of holders from NAAEI's list: member number, names, email.

    Rows are matched on the member number, so a re-import updates rather than
    duplicates. The whole file is validated first; nothing is written if any
    row has an error.
    """

    member_number = fields.Field(attribute="member_number", column_name="member_number")
    first_name = fields.Field(attribute="first_name", column_name="first_name")
    last_name = fields.Field(attribute="last_name", column_name="last_name")
    email = fields.Field(attribute="email", column_name="email")

    class Meta:
        model = HolderProfile
        fields = ("member_number", "first_name", "last_name", "email")
        import_id_fields = ("member_number",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def before_save_instance(self, instance, row, **kwargs):
        # AASC's own list: its addresses count as verified (holder_mail_recipient).
        instance.email_verified = True
        super().before_save_instance(instance, row, **kwargs)

    def before_import_row(self, row, **kwargs):
        for key in ("member_number", "first_name", "last_name", "email"):
            if row.get(key) is not None:
                row[key] = str(row[key]).strip()
        if row.get("email"):
            row["email"] = row["email"].lower()
        if not row.get("member_number"):
            raise ValueError("member_number is required")
