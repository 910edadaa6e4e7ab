"""The admin pages AASC staff use every day pass axe-core (no serious or critical
violation), with the demo's data in them, and their lists fit a 1280 px screen."""

import pytest
from django.urls import reverse

from credentials.models import HeldCredential, RenewalInvoice
from holders.models import HolderProfile
from tests.factories import ReportingFormFactory

from .a11y import blocking_axe_violations, describe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTS = [
    "admin:index",
    "admin:holders_holderprofile_changelist",
    "admin:credentials_heldcredential_changelist",
    "admin:credentials_renewalinvoice_changelist",
    "admin:credentials_renewalcycle_changelist",
    "admin:credentials_reminderlog_changelist",
    "admin:cecs_aascclass_changelist",
    "admin:cecs_attendance_changelist",
    "admin:cecs_reportingform_changelist",
    "admin:cecs_cecentry_changelist",
    "admin:cecs_submission_changelist",
    "admin:payments_payment_changelist",
    "admin:holders_recordlinkrequest_changelist",
    "cycle_overview",
]
ADD_PAGES = [
    "admin:cecs_aascclass_add",
    "admin:cecs_cecentry_add",
    "admin:credentials_heldcredential_add",
    "admin:holders_holderprofile_add",
    "admin:payments_payment_record_offline",
]


def change_pages(holder):
    form = ReportingFormFactory(holder=holder)
    return [
        reverse("admin:holders_holderprofile_change", args=[holder.pk]),
        reverse(
            "admin:credentials_heldcredential_change",
            args=[HeldCredential.objects.filter(holder=holder).first().pk],
        ),
        reverse(
            "admin:credentials_renewalinvoice_change",
            args=[RenewalInvoice.objects.filter(holder=holder).first().pk],
        ),
        reverse("admin:cecs_reportingform_change", args=[form.pk]),
        reverse("admin:cecs_reportingform_verify", args=[form.pk]),
    ]


def test_the_admin_pages_staff_use_pass_axe(staff_page, live_server, demo_invoice):
    holder = HolderProfile.objects.get(email="holder@demo.test")
    paths = [reverse(name) for name in LISTS + ADD_PAGES] + change_pages(holder)
    found = []
    for path in paths:
        staff_page.goto(f"{live_server.url}{path}")
        violations = blocking_axe_violations(staff_page)
        if violations:
            found.append(describe_violations(staff_page, violations))
    assert not found, "\n\n".join(found)


def overflowing_lists(page, live_server, names):
    """The changelists whose table sticks out to the right of a 1280 px window."""
    page.set_viewport_size({"width": 1280, "height": 800})
    wide = {}
    for name in names:
        page.goto(f"{live_server.url}{reverse(name)}")
        right = page.evaluate(
            "() => { const t = document.querySelector('#result_list');"
            " return t ? t.getBoundingClientRect().right : 0; }"
        )
        if right > 1280:
            wide[name] = round(right)
    return wide


def test_the_lists_fit_1280_px(staff_page, live_server, demo_invoice):
    ReportingFormFactory(holder=HolderProfile.objects.get(email="holder@demo.test"))
    lists = [name for name in LISTS if name.endswith("_changelist")]
    assert overflowing_lists(staff_page, live_server, lists) == {}
