"""core.page_cache: a part is rendered once per key, day, code and reference data."""

import datetime

import pytest
import time_machine
from django.db import transaction

from core import page_cache
from credentials.models import CredentialType

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=datetime.UTC)


class Renders:
    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return f"render {self.count}"


def test_a_part_is_rendered_once_per_key():
    render = Renders()
    assert page_cache.cached_part(key=("page", 1, 0), render=render) == "render 1"
    assert page_cache.cached_part(key=("page", 1, 0), render=render) == "render 1"
    assert page_cache.cached_part(key=("page", 1, 1), render=render) == "render 2"
    assert page_cache.cached_part(key=("page", 2, 0), render=render) == "render 3"


def test_a_new_day_renders_again():
    render = Renders()
    with time_machine.travel(NOON, tick=False):
        page_cache.cached_part(key=("page", 1, 0), render=render)
    with time_machine.travel(NOON + datetime.timedelta(hours=23), tick=False):
        assert page_cache.cached_part(key=("page", 1, 0), render=render) == "render 2"


def test_saving_reference_data_renders_every_part_again(django_capture_on_commit_callbacks):
    render = Renders()
    page_cache.cached_part(key=("page", 1, 0), render=render)
    with django_capture_on_commit_callbacks(execute=True):
        cam = CredentialType.objects.get(code="CAM")
        cam.name = "Certified Apartment Manager (renamed)"
        cam.save()
    assert page_cache.cached_part(key=("page", 1, 0), render=render) == "render 2"


def test_a_part_cached_while_reference_data_changes_is_not_kept(
    django_capture_on_commit_callbacks,
):
    """A request that read the old rows before staff's change committed caches them under
    the token of that moment; the token set on commit retires it."""
    render = Renders()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        CredentialType.objects.get(code="CAM").save()
        page_cache.cached_part(key=("page", 1, 0), render=render)  # before the commit
    assert page_cache.cached_part(key=("page", 1, 0), render=render) == "render 2"


def test_a_lost_reference_token_renders_again():
    render = Renders()
    page_cache.cached_part(key=("page", 1, 0), render=render)
    from django.core.cache import cache

    cache.delete(page_cache.REFERENCE_KEY)  # evicted, or Redis restarted with its parts
    assert page_cache.cached_part(key=("page", 1, 0), render=render) == "render 2"


def test_turned_off_it_renders_every_time(settings):
    settings.PAGE_CACHE_ENABLED = False
    render = Renders()
    page_cache.cached_part(key=("page", 1, 0), render=render)
    assert page_cache.cached_part(key=("page", 1, 0), render=render) == "render 2"


def test_the_code_version_follows_the_templates(settings, tmp_path):
    """A deploy that changes a template never serves parts the old one rendered."""
    template = tmp_path / "part.html"
    template.write_text("old")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    page_cache.code_version.cache_clear()
    try:
        before = page_cache.code_version()
        template.write_text("new")
        page_cache.code_version.cache_clear()
        assert page_cache.code_version() != before
    finally:
        page_cache.code_version.cache_clear()


def test_the_code_version_follows_the_locked_dependencies(settings, tmp_path):
    """A library's new version may render a part differently: uv.lock is in the digest."""
    lock = tmp_path / "uv.lock"
    lock.write_text('version = 1\n[[package]]\nname = "django"\nversion = "5.2.1"\n')
    settings.BASE_DIR = tmp_path
    page_cache.code_version.cache_clear()
    try:
        before = page_cache.code_version()
        lock.write_text('version = 1\n[[package]]\nname = "django"\nversion = "5.2.2"\n')
        page_cache.code_version.cache_clear()
        assert page_cache.code_version() != before
    finally:
        page_cache.code_version.cache_clear()
