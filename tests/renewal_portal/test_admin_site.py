"""The portal's admin site (renewal_portal.admin_site) builds the list of apps only for a
page that shows it: the home page and an app's page, not every list and form."""

import pytest
from django.contrib import admin
from django.contrib.admin.sites import AdminSite
from django.urls import reverse

from renewal_portal.admin_site import PortalAdminSite
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_list_builds(monkeypatch):
    """How many times the admin built its list of apps."""
    builds = []
    build = AdminSite._build_app_dict

    def counted(site, request, label=None):
        builds.append(label)
        return build(site, request, label)

    monkeypatch.setattr(AdminSite, "_build_app_dict", counted)
    return builds


@pytest.fixture
def staff_client(client):
    client.force_login(staff_user())
    return client


def test_admin_site_is_the_portals():
    assert isinstance(admin.site, PortalAdminSite)


def test_a_list_does_not_build_the_app_list(staff_client, app_list_builds):
    response = staff_client.get(reverse("admin:cecs_reportingform_changelist"))
    assert response.status_code == 200
    assert app_list_builds == []


def test_the_home_and_an_apps_page_still_list_the_apps(staff_client, app_list_builds):
    home = staff_client.get(reverse("admin:index"))
    assert "Reporting forms" in home.text
    assert app_list_builds == [None]
    page = staff_client.get(reverse("admin:app_list", args=["cecs"]))
    assert page.status_code == 200
    assert "Reporting forms" in page.text
    assert app_list_builds == [None, "cecs"]


def test_an_app_the_user_may_not_see_is_still_not_found(client):
    client.force_login(UserFactory(is_staff=True))  # staff, with no permission at all
    assert client.get(reverse("admin:app_list", args=["cecs"])).status_code == 404
