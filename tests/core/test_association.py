"""AASC's contact details and FAQ (core.models), which staff keep in the admin: what the
footer, the contact page, the FAQ page and every email show, read once and cached until a
save; and no page or email says "contact the AASC office" without saying how."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.association import DEFAULTS, association_contact
from core.demo import DEMO_FAQ, seed_demo_faq
from core.emails import send_templated_email
from core.models import AssociationContact, FaqEntry
from holders.roles import AASC_STAFF, NAAEI_REVIEWERS
from tests.factories import ReportingFormFactory, staff_user

pytestmark = pytest.mark.django_db

CONTACT = reverse("help_contact")
FAQ = reverse("help_faq")


def admin_post(client, **changes):
    contact = AssociationContact.objects.get()
    data = {
        field: getattr(contact, field)
        for field in ("name", "short_name", "phone", "email", "street", "city", "state")
    }
    data |= {
        "zip_code": contact.zip_code,
        "office_hours": contact.office_hours,
        "website": contact.website,
        **changes,
    }
    url = reverse("admin:core_associationcontact_change", args=[contact.pk])
    return client.post(url, data)


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(staff_user())
    return client


def test_the_data_migration_loads_one_row_with_the_demo_values():
    contact = AssociationContact.objects.get()
    assert contact.pk == 1
    assert contact.name == "Apartment Association of Southern Colorado"
    assert contact.short_name == "AASC"
    assert contact.phone == DEFAULTS["phone"]
    # Invented values say so where staff edit them.
    assert "Demo value" in AssociationContact._meta.get_field("phone").help_text


def test_a_second_row_cannot_exist():
    AssociationContact(name="Other", short_name="X", phone="1", email="a@b.org").save()
    assert AssociationContact.objects.count() == 1
    assert AssociationContact.objects.get().name == "Other"


def test_aasc_staff_may_change_and_reviewers_only_view():
    staff = Group.objects.get(name=AASC_STAFF).permissions.values_list("codename", flat=True)
    reviewers = Group.objects.get(name=NAAEI_REVIEWERS).permissions.values_list(
        "codename", flat=True
    )
    assert {"change_associationcontact", "view_associationcontact"} <= set(staff)
    assert {"add_faqentry", "change_faqentry"} <= set(staff)
    assert not {"delete_associationcontact", "delete_faqentry"} & set(staff)
    assert {"view_associationcontact", "view_faqentry"} <= set(reviewers)
    assert not {"change_associationcontact", "change_faqentry"} & set(reviewers)


def test_the_admin_list_opens_the_one_row(staff_client):
    response = staff_client.get(reverse("admin:core_associationcontact_changelist"))
    assert response.status_code == 302
    assert response.url == reverse("admin:core_associationcontact_change", args=[1])


def test_the_admin_list_recreates_a_missing_row(staff_client):
    AssociationContact.objects.all().delete()
    response = staff_client.get(reverse("admin:core_associationcontact_changelist"))
    assert response.status_code == 302
    assert AssociationContact.objects.get().phone == DEFAULTS["phone"]


def test_staff_edit_the_phone_and_the_footer_and_contact_page_show_it(client, staff_client):
    assert DEFAULTS["phone"] in client.get(FAQ).content.decode()  # cached now
    response = admin_post(staff_client, phone="(719) 555-0199", email="help@aasc.example.org")
    assert response.status_code == 302, response.context["adminform"].form.errors
    footer = client.get(FAQ).content.decode()
    assert "(719) 555-0199" in footer and DEFAULTS["phone"] not in footer
    assert 'href="tel:7195550199"' in footer
    page = client.get(CONTACT).content.decode()
    assert "(719) 555-0199" in page
    assert 'href="mailto:help@aasc.example.org"' in page
    assert DEFAULTS["street"] in page and "Colorado Springs, CO 80903" in page
    contact = AssociationContact.objects.get()
    assert contact.history.first().history_user.is_staff


def test_a_bad_email_is_refused_and_nothing_changes(staff_client):
    response = admin_post(staff_client, email="not an address")
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert AssociationContact.objects.get().email == DEFAULTS["email"]


def test_pages_read_the_details_from_the_cache_once_saved(client):
    client.get(CONTACT)  # warms the cache
    with CaptureQueriesContext(connection) as captured:
        assert client.get(CONTACT).status_code == 200
    assert not [q for q in captured if "core_associationcontact" in q["sql"]]
    contact = association_contact()
    contact.phone = "(719) 555-0100"
    contact.save()
    assert "(719) 555-0100" in client.get(CONTACT).content.decode()


def test_without_the_row_pages_show_the_defaults_and_write_nothing(client):
    AssociationContact.objects.all().delete()
    assert DEFAULTS["email"] in client.get(CONTACT).content.decode()
    assert not AssociationContact.objects.exists()


# --- Email ---------------------------------------------------------------------------------


def send(template="reporting_form_returned"):
    form = ReportingFormFactory(status="returned", returned_reason="Sign it")
    send_templated_email(
        to=form.holder.email, template=template, context={"form": form, "holder": form.holder}
    )
    return mail.outbox[-1]


def test_every_email_ends_with_the_contact_block_in_text_and_html():
    message = send()
    contact_url = f"{settings.SITE_URL}{CONTACT}"
    assert message.body.rstrip().endswith(f"All the ways to reach us: {contact_url}")
    assert f"Phone: {DEFAULTS['phone']}" in message.body
    # Our own address, readable: never defanged as holder text is.
    assert f"Email: {DEFAULTS['email']}" in message.body
    html = message.alternatives[0][0]
    assert f"Email: {DEFAULTS['email']}" in html and "[at]" not in html
    assert DEFAULTS["phone"] in html
    assert f'<a href="{contact_url}">All the ways to reach us</a>' in html


def test_a_staff_edit_changes_what_the_next_email_says(staff_client):
    admin_post(staff_client, phone="(719) 555-0177")
    message = send()
    assert "Phone: (719) 555-0177" in message.body
    assert "(719) 555-0177" in message.alternatives[0][0]


def email_templates():
    folder = Path(settings.BASE_DIR, "templates", "emails")
    return sorted(
        path.relative_to(folder).as_posix().removesuffix(".txt")
        for path in folder.rglob("*.txt")
        if not path.name.startswith("_") and not path.name.endswith("_subject.txt")
    )


@pytest.mark.parametrize("template", email_templates())
def test_every_email_template_goes_out_with_the_contact_block(template):
    """Each template under templates/emails/, sent as every email is (core.emails, the only
    sender: tests/security/test_outgoing_mail.py), ends with the block in both parts."""
    form = ReportingFormFactory.build(pk=4242)
    send_templated_email(
        to="holder@example.org", template=template, context={"form": form, "holder": form.holder}
    )
    message = mail.outbox[-1]
    assert f"Email: {DEFAULTS['email']}" in message.body
    assert message.body.rstrip().endswith(f"{settings.SITE_URL}{CONTACT}")
    assert f"Email: {DEFAULTS['email']}" in message.alternatives[0][0]


# --- FAQ -----------------------------------------------------------------------------------


def test_the_faq_shows_published_entries_in_order_with_paragraphs(client):
    FaqEntry.objects.create(question="Second?", answer="B", position=20)
    FaqEntry.objects.create(question="First?", answer="One.\n\nTwo <b>x</b>.", position=10)
    FaqEntry.objects.create(question="Hidden draft?", answer="C", position=5, published=False)
    page = client.get(FAQ).content.decode()
    assert page.index("First?") < page.index("Second?")
    assert "Hidden draft?" not in page
    assert "<p>One.</p>" in page and "<p>Two &lt;b&gt;x&lt;/b&gt;.</p>" in page


def test_staff_unpublish_an_entry_in_the_admin_and_it_leaves_the_page(client, staff_client):
    entry = FaqEntry.objects.create(question="Old question?", answer="A", position=1)
    url = reverse("admin:core_faqentry_change", args=[entry.pk])
    response = staff_client.post(url, {"question": entry.question, "answer": "A", "position": 1})
    assert response.status_code == 302
    assert "Old question?" not in client.get(FAQ).content.decode()
    assert entry.history.count() == 2


def test_the_demo_faq_loads_once(client):
    seed_demo_faq()
    seed_demo_faq()
    assert FaqEntry.objects.count() == len(DEMO_FAQ)
    page = client.get(FAQ).content.decode()
    assert "AIME membership" in page and "$50 reinstatement fee" in page


# --- "Contact the AASC office" always says how ----------------------------------------------

PHRASE = re.compile(
    r"contact\s+(?:the\s+)?(?:aasc|\{\{ association\.short_name \}\})(?:\s+office)?", re.I
)
LINKED = re.compile(r"<a\s[^>]*href=\"{% url 'help_contact' %}\"[^>]*>\s*$", re.I)
HOW = re.compile(
    r"\{\{\s*(?:association\.(?:phone|email)|contact_url)\s*\}\}|\{% url 'help_contact' %\}"
)


def unexplained_mentions(path, text):
    """Mentions of contacting AASC that neither link to the contact page (pages) nor name
    its phone, email or page address within the sentence (mail)."""
    found = []
    for match in PHRASE.finditer(text):
        before, after = text[: match.start()], text[match.end() : match.end() + 120]
        if path.suffix == ".html" and (LINKED.search(before) or "help_contact" in after[:3]):
            continue
        if path.suffix == ".txt" and HOW.search(after.split(".\n")[0] + after[:80]):
            continue
        if path.name.startswith("_contact.") or path.name == "contact.html":
            continue  # the block and the page themselves: all phone, email and address
        line = text[: match.start()].count("\n") + 1
        found.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {match.group(0)}")
    return found


def test_no_template_says_contact_aasc_without_saying_how():
    templates = Path(settings.BASE_DIR, "templates")
    found = []
    for path in sorted(templates.rglob("*")):
        if path.suffix in (".html", ".txt") and not path.is_relative_to(templates / "admin"):
            found += unexplained_mentions(path, path.read_text())
    assert found == []


@pytest.mark.parametrize(
    ("name", "text", "ok"),
    [
        ("a.html", "or contact the AASC office.</p>", False),
        ("a.html", "or <a href=\"{% url 'help_contact' %}\">contact the AASC office</a>.", True),
        ("a.txt", "reply or contact\nthe AASC office.", False),
        ("a.txt", "contact the AASC office: {{ association.phone }}.", True),
    ],
)
def test_the_scan_tells_a_bare_mention_from_an_explained_one(name, text, ok):
    path = Path(settings.BASE_DIR, "templates", name)
    assert (unexplained_mentions(path, text) == []) is ok


def test_account_mail_from_allauth_ends_with_the_block_too(client):
    response = client.post(reverse("account_reset_password"), {"email": "someone@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert f"Email: {DEFAULTS['email']}" in message.body
    assert message.body.rstrip().endswith(f"{settings.SITE_URL}{CONTACT}")
    assert f"Email: {DEFAULTS['email']}" in message.alternatives[0][0]
