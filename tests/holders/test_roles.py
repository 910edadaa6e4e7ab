import pytest
from django.urls import reverse

from tests.factories import HolderProfileFactory

pytestmark = pytest.mark.django_db


def change_url(profile):
    return reverse("admin:holders_holderprofile_change", args=[profile.pk])


def test_holder_cannot_open_another_holders_record(client, holder, other_holder):
    client.force_login(holder.user)
    response = client.get(change_url(other_holder))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    page = client.get(reverse("holders:profile"))
    assert other_holder.email not in page.text


def test_staff_can_see_and_edit_holder_records(client, staff, holder):
    client.force_login(staff)
    assert client.get(reverse("admin:holders_holderprofile_changelist")).status_code == 200
    page = client.get(change_url(holder))
    assert page.status_code == 200
    assert 'name="_save"' in page.text


def test_reviewer_can_view_but_not_change_holder_records(client, reviewer, holder):
    client.force_login(reviewer)
    page = client.get(change_url(holder))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    before = holder.city
    response = client.post(change_url(holder), {"city": "Denver"})
    assert response.status_code == 403
    holder.refresh_from_db()
    assert holder.city == before


def test_reviewer_cannot_manage_accounts(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("admin:holders_user_changelist")).status_code == 403


def test_staff_and_reviewers_land_in_the_admin_holders_on_their_details(client, staff, holder):
    client.force_login(staff)
    assert client.get(reverse("home")).url == reverse("admin:index")
    client.force_login(holder.user)
    assert client.get(reverse("home")).url == reverse("dashboard")


def test_staff_sees_profile_history_with_who_changed_it(client, staff):
    profile = HolderProfileFactory()
    profile.city = "Pueblo"
    profile._history_user = profile.user
    profile.save()
    client.force_login(staff)
    page = client.get(reverse("admin:holders_holderprofile_history", args=[profile.pk]))
    assert page.status_code == 200
    assert profile.user.email in page.text


def test_reviewers_land_on_the_review_queue(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("home")).url == reverse("cecs:review_queue")


def test_reviewers_cannot_revert_records_through_the_history_pages(client, reviewer, holder):
    holder.city = "Pueblo"
    holder.save()
    first_version = holder.history.earliest()
    client.force_login(reviewer)
    url = reverse(
        "admin:holders_holderprofile_simple_history", args=[holder.pk, first_version.history_id]
    )
    assert client.get(url).status_code == 200
    response = client.post(url, {"city": "Colorado Springs"})
    assert response.status_code == 403
    holder.refresh_from_db()
    assert holder.city == "Pueblo"
