"""CSRF: only Stripe's webhook is exempt (it checks Stripe's signature instead); every
other form post without a token is refused."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import ReportingFormFactory


def exempt_views(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from exempt_views(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and getattr(entry.callback, "csrf_exempt", False):
            yield prefix + str(entry.pattern)


def test_exactly_one_view_is_csrf_exempt_and_it_is_the_webhook():
    assert list(exempt_views()) == ["payments/stripe/webhook/"]


@pytest.mark.django_db
def test_posts_without_a_token_are_refused(holder, reviewer):
    form = ReportingFormFactory(holder=holder, status="draft")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(holder.user)
    posts = [
        reverse("holders:profile"),
        reverse("cecs:form_new"),
        reverse("cecs:form_submit", args=[form.pk]),
        reverse("cecs:submit"),
        reverse("account_logout"),
        reverse("account_change_password"),
    ]
    statuses = [strict.post(url, {}).status_code for url in posts]
    assert statuses == [403] * len(posts)
    form.refresh_from_db()
    assert form.status == "draft"
    print(f"\n{len(posts)} form posts without a CSRF token: all refused")
