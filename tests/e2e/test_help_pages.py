"""A holder finds the help pages where the questions arise (the dashboard, the CEC status
page, the footer), and AASC staff change the office's phone number in the admin, which
every page's footer then shows."""

import pytest
from playwright.sync_api import expect

from core.association import DEFAULTS
from core.demo import seed_demo_faq

from .a11y import assert_no_blocking_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PHONE = "(719) 555-0123"


def heading(page):
    return page.get_by_role("heading", level=1)


def test_a_holder_follows_the_help_links_and_staff_edit_the_phone(
    page, live_server, log_in, demo_cycle, staff_page
):
    seed_demo_faq()
    log_in("holder@demo.test")
    page.goto(f"{live_server.url}/renewal/")
    footer = page.get_by_role("contentinfo")
    expect(footer).to_contain_text(DEFAULTS["phone"])
    expect(footer.get_by_role("link", name=DEFAULTS["email"])).to_be_visible()

    # The dashboard: how many CECs, and why.
    page.get_by_role("navigation", name="Renewal help").get_by_role(
        "link", name="NAAEI CEC requirements"
    ).click()
    expect(heading(page)).to_have_text("NAAEI CEC requirements")
    expect(page.get_by_role("heading", name="The 2027 renewal")).to_be_visible()
    cam = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="CAM"))
    expect(cam.first).to_contain_text("8")
    expect(page.get_by_text("owes 8 CECs, the larger, not 13").first).to_be_visible()
    assert_no_blocking_axe_violations(page)

    # The CEC status page: what counts.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="CEC status").click()
    page.get_by_role("main").get_by_role("link", name="what counts as a CEC").click()
    expect(heading(page)).to_have_text("What counts as a CEC")
    expect(page.get_by_role("heading", name="Association participation")).to_be_visible()
    not_counted = page.get_by_role("region", name="What does not count")
    expect(not_counted).to_contain_text("Corporate in-house training")
    assert_no_blocking_axe_violations(page)

    # The footer: the FAQ and the contact page.
    page.get_by_role("contentinfo").get_by_role("link", name="Common credential questions").click()
    expect(heading(page)).to_have_text("Common credential questions")
    late = page.get_by_role("heading", name="What happens if I renew after March 31?")
    expect(late).to_be_visible()
    expect(page.get_by_text("$50 reinstatement fee")).to_be_visible()
    assert_no_blocking_axe_violations(page)

    page.get_by_role("contentinfo").get_by_role("link", name="Contact the AASC office").click()
    expect(heading(page)).to_have_text("Contact the AASC office")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=DEFAULTS["phone"])).to_be_visible()
    expect(main.get_by_role("link", name=DEFAULTS["email"])).to_be_visible()
    expect(main).to_contain_text("Colorado Springs, CO 80903")
    assert_no_blocking_axe_violations(page)

    # Staff change the phone number in the admin.
    staff_page.get_by_role("link", name="AASC contact details").first.click()
    staff_page.get_by_label("Phone").fill(NEW_PHONE)
    assert_no_blocking_axe_violations(staff_page)
    staff_page.get_by_role("button", name="Save", exact=True).click()
    expect(staff_page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{live_server.url}/cecs/status/")
    footer = page.get_by_role("contentinfo")
    expect(footer.get_by_role("link", name=NEW_PHONE)).to_be_visible()
    expect(footer).not_to_contain_text(DEFAULTS["phone"])


def test_the_help_pages_are_public(page, live_server, renewal_season):
    page.goto(f"{live_server.url}/")
    page.get_by_role("contentinfo").get_by_role("link", name="What counts as a CEC").click()
    expect(heading(page)).to_have_text("What counts as a CEC")
    page.get_by_role("contentinfo").get_by_role("link", name="NAAEI CEC requirements").click()
    expect(heading(page)).to_have_text("NAAEI CEC requirements")
    assert_no_blocking_axe_violations(page)
