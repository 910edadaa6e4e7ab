"""Templates follow the apps' layers: an app's page names URLs and includes templates of its
own app or of the apps below it, never of one above (the composition passes what it needs)."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Each app's template folder and the apps it may reach, itself included (pyproject.toml's
# import-linter layers). Un-namespaced URL names ('dashboard', 'home') are the site's own
# navigation, as in base.html, and root-level templates (base.html) are the layout.
BELOW = {
    "holders": {"holders"},
    "credentials": {"credentials", "holders"},
    "cecs": {"cecs", "credentials", "holders"},
    "payments": {"payments", "credentials", "holders"},
}
FOLDER_OF_APP = {"renewal_portal": "portal"}
URL_NAMESPACE = re.compile(r"\{%\s*url\s+['\"](\w+):")
TEMPLATE_REFERENCE = re.compile(r"\{%\s*(?:include|extends)\s+['\"](\w+)/")


def wrong_way_references(text, *, app):
    allowed = {FOLDER_OF_APP.get(name, name) for name in BELOW[app]}
    named = set(URL_NAMESPACE.findall(text)) | set(TEMPLATE_REFERENCE.findall(text))
    return sorted(named - allowed)


@pytest.mark.parametrize("app", BELOW)
def test_app_templates_reach_only_their_own_app_and_those_below(app):
    wrong = {
        path.relative_to(TEMPLATES).as_posix(): refs
        for path in (TEMPLATES / app).rglob("*.html")
        if (refs := wrong_way_references(path.read_text(), app=app))
    }
    assert wrong == {}


@pytest.mark.parametrize(
    ("app", "text", "wrong"),
    [
        ("credentials", "{% url 'payments:pay' invoice.number %}", ["payments"]),
        ("cecs", '{% include "portal/_steps.html" %}', ["portal"]),
        ("cecs", "{% url 'payments:history' %}", ["payments"]),
        ("payments", '{% include "credentials/_invoice_body.html" %}', []),
        ("holders", '{% extends "base.html" %}{% url "dashboard" %}', []),
    ],
)
def test_a_reference_up_the_layers_is_caught(app, text, wrong):
    assert wrong_way_references(text, app=app) == wrong
