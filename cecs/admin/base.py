"""What every CEC admin shares: the workbench base classes and holder search."""

from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse

from core.admin_history import HistoryAdmin


def counted(number, noun):
    return f"{number} {noun}{pluralize(number)}"


HOLDER_SEARCH = [
    "holder__last_name",
    "holder__first_name",
    "holder__email",
    "holder__member_number",
]
# The long staff lists (reporting forms, submissions) are worked from the top: the work
# queues and the reviewer queue link to the rows waiting, oldest first. Each row costs
# render time, and 25 fill a screen (bench/findings.md).
LONG_LIST_PAGE_SIZE = 25
# The buttons that change a record through its form; hidden where a service does it.
NO_SAVE_BUTTONS = {
    "show_save": False,
    "show_save_and_continue": False,
    "show_save_and_add_another": False,
    "show_delete": False,
}


class WorkbenchAdmin(HistoryAdmin):
    """Admin pages that render extra workbench views (roster, verify, withdraw)."""

    def admin_url(self, name, *args):
        opts = self.opts
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args)

    def render_workbench(self, request, template, title, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                **context,
            },
        )


class ServiceOnlyAdmin(WorkbenchAdmin):
    """A change page that only shows the record: its changes are made by services."""

    def get_readonly_fields(self, request, obj=None):
        return [*(f.name for f in self.opts.fields), *self.readonly_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Read-only here, whatever the permissions say: "View", not "Change reporting form".
        title = f"View {self.opts.verbose_name}"
        return super().change_view(
            request,
            object_id,
            form_url,
            {"title": title, **NO_SAVE_BUTTONS, **(extra_context or {})},
        )

    def save_model(self, request, obj, form, change):
        """Nothing on this page is editable; writing the row would only add noise to
        its history (or, from the history page, undo a service's change)."""
