"""What every admin of the project shares: history to read, and imports that need a write
permission."""

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.html import format_html
from django.utils.text import capfirst
from import_export.admin import ImportMixin
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """Change history to read, never to revert: a revert would write around the services,
    and simple_history saves a POST to a history page after checking only the *view*
    permission, which NAAEI reviewers have."""

    def revert_disabled(self, request, obj=None):
        return True

    def action_checkbox(self, obj):
        # The markup Django's CheckboxInput renders, without a widget template per row: the
        # template made up a third of a 100-row changelist's render (bench/findings.md).
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this object for an action - {}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            obj,
        )

    def changelist_view(self, request, extra_context=None):
        # "Reporting forms", in staff's words, not Django's "Select reporting form to change".
        title = capfirst(self.opts.verbose_name_plural)
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def history_view(self, request, object_id, extra_context=None):
        require_valid_id(self.model._meta.pk, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        require_valid_id(self.model._meta.pk, object_id)
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        require_valid_id(history.model._meta.pk, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


def require_valid_id(field, value):
    """404 unless VALUE can be FIELD's value. simple_history queries with the raw text from
    the address, so /history/%00/ or /history/abc/ raised ValueError (a 500)."""
    try:
        field.to_python(value)
    except ValidationError:
        raise Http404 from None


def has_model_perms(user, opts, actions):
    """Whether `user` holds every one of the model's `actions` ("add", "view"...)."""
    return all(
        user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in actions
    )


class ImportExportPermissionsMixin:
    """django-import-export lets anyone who reaches the admin import unless told otherwise,
    and NAAEI reviewers reach it (staff status, view permission). An import creates rows
    and updates others, so it needs both the add and the change permission of the model;
    an export only reads, so it needs the view permission. Put this before any
    django-import-export mixin (tests/security/test_admin_permissions.py checks it)."""

    IMPORT_NEEDS = ("add", "change")
    EXPORT_NEEDS = ("view",)

    def has_import_permission(self, request):
        return has_model_perms(request.user, self.opts, self.IMPORT_NEEDS)

    def has_export_permission(self, request):
        return has_model_perms(request.user, self.opts, self.EXPORT_NEEDS)


class GuardedImportMixin(ImportExportPermissionsMixin, ImportMixin):
    """The CSV import (preview, then confirm) for staff who may add and change the model."""
