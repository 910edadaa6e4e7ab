"""Every admin action, import/export view and custom admin view x every role.

The tests walk the admin as it is registered (admin.site._registry, each ModelAdmin's
get_actions and get_urls, the project's own admin/ URLs), so a new action or page without
an expectation below fails. The rule they hold: NAAEI reviewers read but never write in
the admin (their review queue is in the portal); AASC staff keep what they use; anonymous
users and holders never get in. Imports need the model's add AND change permissions,
exports its view permission.
"""

import datetime
import functools
import uuid
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from import_export.admin import BaseExportMixin, ImportMixin

from cecs.classes.reservations import reservation_create
from cecs.classes.services import attendance_record
from cecs.ledger.services import entry_create
from cecs.models import Attendance, CecEntry, ReportingForm, Source
from cecs.submissions.services import submission_create
from core.admin_history import ImportExportPermissionsMixin
from core.models import FaqEntry
from credentials.models import HeldCredential, ReminderLog, ReminderStage, RenewalInvoice
from credentials.services import cycle_get_or_create, emeritus_grant, invoices_issue, waiver_grant
from holders.models import HolderProfile, RecordLinkRequest
from payments.models import Payment
from payments.services import payment_fulfil
from tests.factories import (
    AascClassFactory,
    HolderProfileFactory,
    ReportingFormFactory,
    UserFactory,
    holder_with,
    reviewer_user,
    staff_user,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "holder", "staff", "reviewer", "superuser")
SUPER = frozenset({"superuser"})
STAFF = frozenset({"staff", "superuser"})
READERS = frozenset({"staff", "reviewer", "superuser"})
NOBODY = frozenset()

# --- 1. Admin actions: who is offered each one (and can run it by POST) -----------------
EXPECTED_ACTIONS = {
    "account.emailaddress": {"make_verified": SUPER, "delete_selected": SUPER},
    "auth.group": {"delete_selected": SUPER},
    "axes.accessattempt": {"cleanup_expired_attempts": SUPER, "delete_selected": SUPER},
    "axes.accessfailurelog": {"delete_selected": SUPER},
    "axes.accesslog": {"delete_selected": SUPER},
    "cecs.aascclass": {"delete_selected": SUPER},
    "cecs.activitykind": {},
    "cecs.attendance": {"withdraw": STAFF},
    "cecs.cecentry": {},
    "cecs.reportingform": {"verify_selected": STAFF},
    "cecs.reservation": {"cancel_reservations": STAFF},
    "cecs.submission": {"export_decisions": READERS},
    "core.associationcontact": {},
    "core.faqentry": {"delete_selected": SUPER},
    "credentials.cecrequirement": {"delete_selected": SUPER},
    "credentials.credentialtype": {"delete_selected": SUPER},
    "credentials.emeritusstatus": {"delete_selected": SUPER},
    "credentials.heldcredential": {"reinstate": STAFF, "delete_selected": SUPER},
    "credentials.reminderlog": {"resend": STAFF},
    "credentials.reminderstage": {"delete_selected": SUPER},
    "credentials.renewalcycle": {"issue_invoices": STAFF, "delete_selected": SUPER},
    "credentials.renewalinvoice": {"send_reminder_now": STAFF},
    "credentials.waiver": {"delete_selected": SUPER},
    "django_celery_beat.clockedschedule": {"delete_selected": SUPER},
    "django_celery_beat.crontabschedule": {"delete_selected": SUPER},
    "django_celery_beat.intervalschedule": {"delete_selected": SUPER},
    "django_celery_beat.periodictask": {
        "enable_tasks": SUPER,
        "disable_tasks": SUPER,
        "toggle_tasks": SUPER,
        "run_tasks": SUPER,
        "delete_selected": SUPER,
    },
    "django_celery_beat.solarschedule": {"delete_selected": SUPER},
    "holders.holderprofile": {"delete_selected": SUPER},
    "holders.recordlinkrequest": {},
    "holders.user": {"delete_selected": SUPER},
    "mfa.authenticator": {"delete_selected": SUPER},
    "payments.checkoutattempt": {"reconcile": STAFF},
    "payments.payment": {},
    "payments.stripeevent": {},
}
# The only actions that may ask for no more than "view": they read and write nothing.
READ_ONLY_ACTIONS = {("cecs.submission", "export_decisions")}

# --- 2. django-import-export views -----------------------------------------------------
# GET for the first step; process_import takes only POST (the confirm step).
EXPECTED_IMPORT_EXPORT = {
    "admin:credentials_heldcredential_import": STAFF,
    "admin:credentials_heldcredential_process_import": STAFF,
    "admin:holders_holderprofile_import": STAFF,
    "admin:holders_holderprofile_process_import": STAFF,
}

# --- 3. Custom admin views: every URL beyond changelist/add/change/delete/history -------
# name -> {method: roles let in}. A POST is sent empty: a permitted user gets the form
# back with its errors; the rest are refused before anything is read.
HISTORY_READERS = {  # simple_history's "<id>/history/<version>/": read, never a revert
    "holders.holderprofile": READERS,
    "holders.recordlinkrequest": STAFF,
    "credentials.credentialtype": READERS,
    "credentials.cecrequirement": READERS,
    "credentials.heldcredential": READERS,
    "credentials.renewalcycle": READERS,
    "credentials.waiver": READERS,
    "credentials.emeritusstatus": READERS,
    "credentials.renewalinvoice": READERS,
    "credentials.reminderstage": STAFF,
    "credentials.reminderlog": STAFF,
    "cecs.aascclass": READERS,
    "cecs.activitykind": READERS,
    "cecs.attendance": READERS,
    "cecs.cecentry": READERS,
    "cecs.reportingform": READERS,
    "cecs.submission": READERS,
    "cecs.reservation": READERS,
    "payments.payment": STAFF,
    "core.associationcontact": READERS,
    "core.faqentry": READERS,
}
EXPECTED_CUSTOM = {
    "admin:cecs_aascclass_roster": {"GET": STAFF, "POST": STAFF},
    "admin:cecs_attendance_withdraw": {"GET": STAFF, "POST": STAFF},
    "admin:cecs_reportingform_verify": {"GET": STAFF, "POST": STAFF},
    "admin:cecs_reportingform_return": {"GET": STAFF, "POST": STAFF},
    "admin:payments_payment_record_offline": {"GET": STAFF, "POST": STAFF},
    "admin:payments_payment_refund_offline": {"GET": STAFF, "POST": STAFF},
    "admin:holders_recordlinkrequest_approve": {"GET": STAFF, "POST": STAFF},
    "admin:holders_recordlinkrequest_reject": {"GET": STAFF, "POST": STAFF},
    "admin:auth_user_password_change": {"GET": SUPER, "POST": SUPER},
    "holder_audit": {"GET": READERS},
    "cycle_overview": {"GET": STAFF},
    "cycle_overview_csv": {"GET": STAFF},
    **{
        "admin:{}_{}_simple_history".format(*label.split(".")): {"GET": roles, "POST": NOBODY}
        for label, roles in HISTORY_READERS.items()
    },
}
# Django's own site-wide admin pages (log-in, index, autocomplete...): not ours to guard,
# but listed so that a new site-wide view fails here until it is given an expectation.
ADMIN_SITE_URLS = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
    None,  # the catch-all that answers 404
}
STANDARD_MODEL_URLS = {"changelist", "add", "change", "delete", "history"}


def label(model):
    return model._meta.label_lower


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: label(item[0]))


@pytest.fixture
def users(db):
    holder = holder_with("CAM")
    return {
        "anonymous": AnonymousUser(),
        "holder": holder.user,
        "staff": staff_user(),
        "reviewer": reviewer_user(),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }


def outcome(client, users, role, method, url, data=None):
    """What `role` gets: "login" (sent to the admin log-in), "refused" (403) or "ok"."""
    client.logout()
    if role != "anonymous":
        client.force_login(users[role])
    response = client.get(url) if method == "GET" else client.post(url, data or {})
    status = response.status_code
    if status == 302 and response.url.startswith(reverse("admin:login")):
        return "login"
    if status == 403:
        return "refused"
    assert status in (200, 302), f"{method} {url} as {role}: {status}"
    return "ok"


def expected_outcome(role, allowed):
    if role in allowed:
        return "ok"
    return "login" if role in ("anonymous", "holder") else "refused"


# --- actions -----------------------------------------------------------------------------


def offered_actions(model_admin, user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return set(model_admin.get_actions(request))


def test_every_registered_admin_has_an_action_expectation():
    assert {label(model) for model, _ in registered()} == set(EXPECTED_ACTIONS)


def test_every_action_states_its_permission(users):
    superuser_request = RequestFactory().get("/admin/")
    superuser_request.user = users["superuser"]
    loose = []
    for model, model_admin in registered():
        for name, (func, _, _) in model_admin.get_actions(superuser_request).items():
            needs = set(getattr(func, "allowed_permissions", ()))
            if not needs:
                loose.append(f"{label(model)}.{name}: no permissions=[...]")
            elif needs <= {"view"} and (label(model), name) not in READ_ONLY_ACTIONS:
                loose.append(f"{label(model)}.{name}: only needs view")
    assert loose == []


def test_each_role_is_offered_exactly_the_expected_actions(users):
    wrong, checks = [], 0
    for model, model_admin in registered():
        expected = EXPECTED_ACTIONS[label(model)]
        offered = {role: offered_actions(model_admin, users[role]) for role in ROLES}
        every = set().union(*offered.values())
        assert every - set(expected) == set(), f"{label(model)}: give the new action(s) a row"
        for name, allowed in expected.items():
            for role in ROLES:
                checks += 1
                if (name in offered[role]) != (role in allowed):
                    wrong.append(f"{label(model)}.{name} as {role}")
    print(f"\n{sum(map(len, EXPECTED_ACTIONS.values()))} actions x {len(ROLES)} roles: {checks}")
    assert wrong == []


def recording(func, calls, name):
    """`func` with its description and permissions, but it only records that it ran."""

    @functools.wraps(func)
    def action(modeladmin, request, queryset):
        calls.append((label(modeladmin.model), name))

    return action


def test_posting_each_action_runs_it_only_for_the_roles_allowed(client, users, monkeypatch):
    """Not only hidden from the menu: a POST naming the action does not run it."""
    calls, wrong, checks = [], [], 0
    for name, func in list(admin.site._actions.items()):  # delete_selected
        monkeypatch.setitem(admin.site._actions, name, recording(func, calls, name))
    for model, model_admin in registered():
        for name in EXPECTED_ACTIONS[label(model)]:
            if name not in admin.site._actions:
                func = getattr(type(model_admin), name)
                monkeypatch.setattr(type(model_admin), name, recording(func, calls, name))
    for model, _ in registered():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for name, allowed in EXPECTED_ACTIONS[label(model)].items():
            for role in ROLES:
                calls.clear()
                data = {"action": name, "_selected_action": ["1"], "index": "0"}
                got = outcome(client, users, role, "POST", url, data)
                checks += 1
                ran = calls == [(label(model), name)]
                if ran != (role in allowed) or (role in allowed and got != "ok"):
                    wrong.append(f"{label(model)}.{name} as {role}: ran={ran} ({got})")
    print(f"\n{checks} action POSTs")
    assert wrong == []


# --- import / export ---------------------------------------------------------------------


def import_export_urls():
    for _model, model_admin in registered():
        if not isinstance(model_admin, ImportMixin | BaseExportMixin):
            continue
        for pattern in model_admin.get_urls():
            if pattern.name and pattern.name.endswith(("_import", "_process_import", "_export")):
                yield model_admin, f"admin:{pattern.name}"


def test_every_import_export_admin_uses_the_permission_mixin():
    admins = {type(model_admin) for model_admin, _ in import_export_urls()}
    assert admins, "the walk found no import admin"
    for cls in admins:
        assert issubclass(cls, ImportExportPermissionsMixin), cls
        for method in ("has_import_permission", "has_export_permission"):
            assert getattr(cls, method) is getattr(ImportExportPermissionsMixin, method), cls


def test_import_export_views_by_role(client, users):
    names = {name for _, name in import_export_urls()}
    assert names == set(EXPECTED_IMPORT_EXPORT), "give the new import/export view a row"
    wrong, checks = [], 0
    for name, allowed in sorted(EXPECTED_IMPORT_EXPORT.items()):
        method = "POST" if name.endswith("_process_import") else "GET"
        for role in ROLES:
            checks += 1
            got = outcome(client, users, role, method, reverse(name))
            if got != expected_outcome(role, allowed):
                wrong.append(f"{method} {name} as {role}: {got}")
    print(f"\n{len(names)} import/export views x {len(ROLES)} roles: {checks}")
    assert wrong == []


CREDENTIALS_CSV = (
    "member_number,credential_code,credential_number,earned,expires\n"
    "{member},CAM,{number},2020-05-01,2099-12-31\n"
)


def post_import(client, name, body):
    upload = SimpleUploadedFile("rows.csv", body.encode(), "text/csv")
    return client.post(
        reverse(f"admin:{name}_import"), {"import_file": upload, "format": "0", "resource": "0"}
    )


def confirm_data(preview):
    confirm_form = preview.context["confirm_form"]
    return {name: field.initial for name, field in confirm_form.fields.items()} | (
        confirm_form.initial
    )


@pytest.mark.parametrize(
    ("name", "body", "read"),
    [
        (
            "credentials_heldcredential",
            CREDENTIALS_CSV,
            lambda holder: str(holder.credentials.get().expires_on),
        ),
        (
            "holders_holderprofile",
            "member_number,first_name,last_name,email\n{member},A,B,taken@example.org\n",
            lambda holder: HolderProfile.objects.get(pk=holder.pk).email,
        ),
    ],
)
def test_a_reviewer_can_neither_preview_nor_confirm_an_import(client, users, name, body, read):
    holder = HolderProfile.objects.get(user=users["holder"])
    body = body.format(member=holder.member_number, number=holder.credentials.get().number)
    before = read(holder)

    client.force_login(users["reviewer"])
    assert post_import(client, name, body).status_code == 403  # the dry run
    changelist = client.get(reverse(f"admin:{name}_changelist"))
    assert changelist.status_code == 200
    assert reverse(f"admin:{name}_import") not in changelist.text  # no Import button

    # The confirm step, with a genuine preview of staff's that is waiting to be confirmed.
    client.force_login(users["staff"])
    preview = post_import(client, name, body)
    assert preview.status_code == 200
    assert not preview.context["result"].has_errors()
    data = confirm_data(preview)
    client.force_login(users["reviewer"])
    assert client.post(reverse(f"admin:{name}_process_import"), data).status_code == 403
    assert read(holder) == before

    # Staff still import: the same confirm goes through.
    client.force_login(users["staff"])
    assert client.post(reverse(f"admin:{name}_process_import"), data).status_code == 302
    assert read(holder) != before


def test_the_rule_is_add_and_change_for_import_and_view_for_export(users):
    from credentials.admin import HeldCredentialAdmin

    model_admin = admin.site._registry[HeldCredential]
    assert isinstance(model_admin, HeldCredentialAdmin)
    request = RequestFactory().get("/")
    change_only = UserFactory(is_staff=True)
    change_only.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="credentials",
            codename__in=["view_heldcredential", "change_heldcredential"],
        )
    )
    verdicts = {}
    for who, user in {"change only": change_only, **users}.items():
        request.user = type(user).objects.get(pk=user.pk) if user.pk else user
        verdicts[who] = (
            model_admin.has_import_permission(request),
            model_admin.has_export_permission(request),
        )
    assert verdicts == {
        "change only": (False, True),  # may change rows, may not create them by import
        "anonymous": (False, False),
        "holder": (False, False),
        "staff": (True, True),
        "reviewer": (False, True),
        "superuser": (True, True),
    }


# --- "Send a reminder now" ---------------------------------------------------------------


@pytest.fixture
def invoices(users):
    cycle = cycle_get_or_create(year=2027)
    holder_with("NALP")
    invoices_issue(cycle=cycle)
    return list(RenewalInvoice.objects.values_list("pk", flat=True))


def send_reminder_now(client, user, invoices, capture):
    client.force_login(user)
    mail.outbox.clear()
    with capture(execute=True):
        return client.post(
            reverse("admin:credentials_renewalinvoice_changelist"),
            {"action": "send_reminder_now", "_selected_action": invoices, "index": "0"},
            follow=True,
        )


def test_a_reviewer_cannot_send_a_reminder_now(
    client, users, invoices, django_capture_on_commit_callbacks
):
    response = send_reminder_now(
        client, users["reviewer"], invoices, django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert mail.outbox == []
    assert "send_reminder_now" not in response.text  # not offered either
    assert "on its way" not in response.text


def test_staff_still_send_a_reminder_now(
    client, users, invoices, django_capture_on_commit_callbacks
):
    response = send_reminder_now(
        client, users["staff"], invoices, django_capture_on_commit_callbacks
    )
    assert f"A reminder is on its way to {len(invoices)} holder(s)." in response.text
    assert len(mail.outbox) == len(invoices) == 2


# --- custom admin views ------------------------------------------------------------------


def model_custom_urls():
    """Each ModelAdmin's URLs beyond the standard five (and import/export, tested above)."""
    for model, model_admin in registered():
        info = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in model_admin.get_urls():
            if pattern.name is None:
                assert str(pattern.pattern) == "<path:object_id>/", pattern  # the old redirect
                continue
            suffix = pattern.name.removeprefix(info)
            if suffix in STANDARD_MODEL_URLS:
                continue
            if f"admin:{pattern.name}" in EXPECTED_IMPORT_EXPORT:
                continue
            yield model, f"admin:{pattern.name}"


def project_admin_urls():
    """Our own pages under admin/ that are not the admin site's (audit, overview)."""
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLPattern) and str(entry.pattern).startswith("admin/"):
            yield entry.name


def test_every_custom_admin_url_has_an_expectation():
    found = {name for _, name in model_custom_urls()} | set(project_admin_urls())
    assert found - set(EXPECTED_CUSTOM) == set(), "give the new admin view a row"
    assert set(EXPECTED_CUSTOM) - found == set(), "remove views that no longer exist"
    site = {p.name for p in admin.site.get_urls() if not isinstance(p, URLResolver)}
    assert site == ADMIN_SITE_URLS


@pytest.fixture
def world(users):
    """One record of every model with a custom admin view, each with history."""
    staff = users["staff"]
    holder = HolderProfile.objects.get(user=users["holder"])
    cycle = cycle_get_or_create(year=2027)
    invoices_issue(cycle=cycle)
    invoice = RenewalInvoice.objects.get(holder=holder)
    aasc_class = AascClassFactory(held_on=datetime.date(2026, 5, 1), hours=Decimal(8))
    attendance, _ = attendance_record(aasc_class=aasc_class, holder=holder, actor=staff)
    report = ReportingFormFactory(holder=holder)
    entry_create(
        holder=holder,
        title="t",
        provider="AASC",
        earned_on=datetime.date(2026, 6, 1),
        hours=Decimal(1),
        source=Source.AASC_CLASS,
    )
    submission_create(holder=holder, cycle=cycle, actor=holder.user)
    payment_fulfil(
        invoice_id=invoice.pk,
        amount_cents=invoice.total_cents,
        currency="usd",
        provider="stripe",
        payment_intent_id="pi_admin_permissions",
    )
    reservation_create(
        aasc_class=AascClassFactory(
            published=True,
            starts_at=timezone.now() + datetime.timedelta(days=20),
            location="AASC office",
            seats=10,
        ),
        holder=holder,
    )
    other = holder_with("CAM")
    waiver_grant(
        holder=other,
        cycle=cycle,
        waive_fee=True,
        waive_cecs=False,
        reason="Deployed",
        actor=staff,
    )
    emeritus_grant(holder=holder_with("CAM"), since_year=2027, reason="Retired", actor=staff)
    if not ReminderLog.objects.exists():
        ReminderLog.objects.create(
            invoice=invoice,
            stage=ReminderStage.objects.first(),
            claim_token=uuid.uuid4(),
            claimed_at=timezone.now(),
        )
    FaqEntry.objects.create(question="When do invoices go out?", answer="In November.")
    link_request = RecordLinkRequest.objects.create(
        account=UserFactory(),
        record=HolderProfileFactory(user=None, email="imported@example.org"),
        number_given="M1",
        last_name_given="Doe",
        zip_code_given="80903",
    )
    args = {
        "admin:payments_payment_refund_offline": [Payment.objects.get().pk],
        "admin:holders_recordlinkrequest_approve": [link_request.pk],
        "admin:holders_recordlinkrequest_reject": [link_request.pk],
        "admin:cecs_aascclass_roster": [aasc_class.pk],
        "admin:cecs_attendance_withdraw": [attendance.pk],
        "admin:cecs_reportingform_verify": [report.pk],
        "admin:cecs_reportingform_return": [report.pk],
        "admin:auth_user_password_change": [holder.user.pk],
        "holder_audit": [holder.pk],
    }
    for model, name in model_custom_urls():
        if name.endswith("_simple_history"):
            record = model.history.order_by("history_id").first()
            if record is None:  # rows from data migrations have none: make one
                model.objects.order_by("pk").first().save()
                record = model.history.order_by("history_id").first()
            args[name] = [getattr(record, model._meta.pk.attname), record.history_id]
    return args


def test_custom_admin_views_by_role(client, users, world):
    wrong, checks = [], 0
    for name, methods in sorted(EXPECTED_CUSTOM.items()):
        url = reverse(name, args=world.get(name, []))
        for method, allowed in methods.items():
            for role in ROLES:
                checks += 1
                got = outcome(client, users, role, method, url)
                if got != expected_outcome(role, allowed):
                    wrong.append(f"{method} {name} as {role}: {got}")
    print(f"\n{len(EXPECTED_CUSTOM)} custom admin views, {checks} role x method checks")
    assert wrong == []


def test_refused_writes_leave_the_records_as_they_were(client, users, world):
    """A reviewer POSTing real data to each write view: 403 and nothing changes."""
    client.force_login(users["reviewer"])
    posts = {
        "admin:cecs_attendance_withdraw": {"reason": "not there"},
        "admin:cecs_reportingform_verify": {"signer_name": "R", "signed_on": "2026-06-01"},
        "admin:cecs_reportingform_return": {"reason": "no"},
        "admin:cecs_aascclass_roster": {
            "roster": SimpleUploadedFile("r.csv", b"email\nnobody@example.org\n", "text/csv")
        },
    }
    before = (
        list(Attendance.objects.values_list("pk", "withdrawn_at")),
        list(ReportingForm.objects.values_list("pk", "status")),
        CecEntry.objects.count(),
    )
    for name, data in posts.items():
        response = client.post(reverse(name, args=world[name]), data)
        assert response.status_code == 403, name
    assert before == (
        list(Attendance.objects.values_list("pk", "withdrawn_at")),
        list(ReportingForm.objects.values_list("pk", "status")),
        CecEntry.objects.count(),
    )


def test_the_audit_trail_shows_a_reviewer_only_what_they_may_read(client, users, world):
    url = reverse("holder_audit", args=world["holder_audit"])
    client.force_login(users["staff"])
    assert "Payment" in {row["kind"] for row in client.get(url).context["rows"]}
    client.force_login(users["reviewer"])
    kinds = {row["kind"] for row in client.get(url).context["rows"]}
    assert "Payment" not in kinds  # reviewers have no payments permission
    assert {"Credential", "Invoice", "CEC entry"} <= kinds


def test_third_party_actions_keep_working_for_superusers(client, users):
    """The re-registered allauth admin still runs its action (it only states a permission)."""
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.create(
        user=users["superuser"], email="new@example.org", verified=False
    )
    url = reverse("admin:account_emailaddress_changelist")
    data = {"action": "make_verified", "_selected_action": [address.pk], "index": "0"}
    client.force_login(users["staff"])
    assert client.post(url, data).status_code == 403  # staff have no account permissions
    address.refresh_from_db()
    assert not address.verified
    client.force_login(users["superuser"])
    assert client.post(url, data).status_code == 302
    address.refresh_from_db()
    assert address.verified
