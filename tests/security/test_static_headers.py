"""Static files carry the same security headers as pages.

WhiteNoise answers /static/ itself, before the rest of the middleware runs; an SVG or an
HTML file among the static files opened directly must not be framable or run script."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def static_client(settings):
    """WhiteNoise serving from the finders (the test settings collect no STATIC_ROOT). A new
    Client builds its middleware at its first request, so it sees these settings."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = False
    return Client()


def static_urls():
    urls = set()
    for finder in finders.get_finders():
        for path, storage in finder.list(None):
            prefix = (getattr(storage, "prefix", None) or "").strip("/")
            urls.add("/static/" + (f"{prefix}/" if prefix else "") + path.replace("\\", "/"))
    return sorted(urls)


def assert_security_headers(response, *, hsts):
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    if hsts:
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_portal_stylesheet_carries_the_page_headers(static_client):
    response = static_client.get("/static/bootstrap/css/bootstrap.min.css", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert_security_headers(response, hsts=True)
    # The same policy django-csp puts on pages, not a second one to keep in step.
    page = static_client.get("/accounts/login/", secure=True)
    assert response["Content-Security-Policy"] == page["Content-Security-Policy"]


def test_an_svg_served_as_a_static_file_cannot_run_script_or_be_framed(static_client):
    response = static_client.get("/static/admin/img/icon-yes.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert_security_headers(response, hsts=False)


def test_a_not_modified_answer_carries_them_too(static_client):
    url = "/static/css/portal.css"
    etag = static_client.get(url)["ETag"]
    response = static_client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert_security_headers(response, hsts=False)


def test_every_static_file_carries_the_security_headers(static_client):
    urls = static_urls()
    assert len(urls) > 100  # admin, bootstrap, the portal's own: the finders found them
    for url in urls:
        response = static_client.get(url)
        assert response.status_code == 200, url
        assert "frame-ancestors 'none'" in response.get("Content-Security-Policy", ""), url
        assert response.get("X-Frame-Options") == "DENY", url
        assert response.get("X-Content-Type-Options") == "nosniff", url
        response.close()
