"""The demo in a real browser: the mid-season holder's renewal under way (details
confirmed, invoice paid, 5 of the 8 CECs counted), beside the fresh demo holder; and the
season of 60 holders that fills the staff's queues and the season overview."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from holders.models import User
from renewal_portal.demo import MIDSEASON_EMAIL, seed_demo_midseason
from renewal_portal.demo_season import seed_demo_season

from .a11y import assert_no_blocking_axe_violations
from .test_submission_review import step

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_midseason_demo_holder_sees_a_renewal_under_way(page, live_server, log_in, demo_cycle):
    seed_demo_midseason(cycle=demo_cycle)
    log_in(MIDSEASON_EMAIL)
    page.goto(f"{live_server.url}{reverse('dashboard')}")
    expect(step(page, "1. Update your contact information")).to_contain_text("Done")
    expect(step(page, "2. Pay your renewal invoice")).to_contain_text("Paid. Thank you.")
    expect(step(page, "3. Check your CEC status")).to_contain_text("(5 of 8 so far)")
    assert_no_blocking_axe_violations(page)
    page.goto(f"{live_server.url}{reverse('cecs:status')}")
    main = page.locator("main")
    expect(main).to_contain_text("Maintenance Budgets That Hold")
    expect(main).to_contain_text("Expo: Resident Retention in a Soft Market")


def test_the_demo_season_fills_the_queues_and_the_overview(staff_page, live_server, demo_cycle):
    seed_demo_season(
        cycle=demo_cycle,
        staff=User.objects.get(email="staff@demo.test"),
        reviewer=User.objects.get(email="reviewer@demo.test"),
    )
    staff_page.reload()
    queues = staff_page.get_by_role("region", name="Waiting for you")
    expect(queues.get_by_role("row").filter(has_text="Reporting forms waiting")).to_contain_text(
        "6"
    )
    staff_page.goto(f"{live_server.url}{reverse('cycle_overview')}")
    chart = staff_page.get_by_role("img", name=re.compile(r"^Holders by step "))
    expect(chart).to_have_accessible_name(re.compile(r"Invoiced: 5\d\."))
    assert_no_blocking_axe_violations(staff_page)
