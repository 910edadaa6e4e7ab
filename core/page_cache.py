"""Cached parts of pages, for the holder pages every signed-in holder opens most.

A part is cached under a key the caller builds from a version that changes with every
write to what the part shows (for a holder's renewal, `HolderProfile.renewal_version`,
which PostgreSQL bumps in the writing transaction: holders.renewal_version). This module
adds what else the part depends on:
- the day in AASC's time zone (what is due, in grace or late moves with the date);
- the code: a digest of the project's templates and Python modules, so a deploy never
  serves a part the old code rendered;
- the reference data holders see (credential types, requirements, cycles, activity kinds,
  classes): a token that changes whenever staff save or delete one
  (`reference_data_changed`, connected by each app to its own models).

It caches only on PostgreSQL, where the triggers keep the versions; elsewhere (SQLite for
`make run`) every part is rendered for each request.
"""

import hashlib
import uuid
from functools import lru_cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

REFERENCE_KEY = "page-cache:reference"
# What `{% csrf_token %}` writes in a part to cache; `with_csrf_token` puts each response's
# own token in its place, so a cached page keeps Django's per-response masking of it.
CSRF_PLACEHOLDER = "csrf-token-of-this-response"
# A part unread for a day is dropped; the day's date in its key retires it anyway.
TIMEOUT = 24 * 60 * 60


def enabled():
    return settings.PAGE_CACHE_ENABLED and connection.vendor == "postgresql"


@lru_cache(maxsize=1)
def code_version():
    """A digest of the project's templates and modules and of the locked dependencies
    (uv.lock: a library's new version may render differently), read once per process."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR).resolve()
    lock = base / "uv.lock"
    if lock.is_file():
        digest.update(lock.read_bytes())
    roots = [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])]
    # The project's own apps only: a virtualenv inside the project holds the libraries'.
    roots += [Path(c.path) for c in apps.get_app_configs() if Path(c.path).parent == base]
    for root in sorted(set(roots)):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".html", ".txt") and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def reference_data_changed(**kwargs):
    """A signal receiver: reference data holders see changed; every cached part is stale.

    Now, and again once the transaction commits, in case a request cached a part from
    the old rows in between."""
    _new_reference_token()
    transaction.on_commit(_new_reference_token)


def watch_reference_data(*models):
    """Retire every cached part whenever one of `models` is saved or deleted (each app
    names its own reference models from its signals module)."""
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                reference_data_changed, sender=model, dispatch_uid=f"page-cache-{model._meta.label}"
            )


def _new_reference_token():
    cache.set(REFERENCE_KEY, uuid.uuid4().hex, timeout=None)


def cached_part(*, key, render, fresh=None):
    """The part under `key` (a tuple of what identifies it and the version of what it
    shows), rendered by `render()` when not cached; `render` returns a picklable value.
    `fresh(value)`, if given, says whether a cached value still holds (a list of what has
    not started yet stops holding when the first of it starts)."""
    if not enabled():
        return render()
    full_key = ":".join(["page", code_version(), str(timezone.localdate()), *map(str, key)])
    found = cache.get_many([full_key, REFERENCE_KEY])
    reference = found.get(REFERENCE_KEY)
    if reference is None:
        # Never set, or evicted: start a new token, so nothing cached before counts.
        reference = uuid.uuid4().hex
        cache.add(REFERENCE_KEY, reference, timeout=None)
        reference = cache.get(REFERENCE_KEY, reference)
    cached = found.get(full_key)
    if cached is not None and cached[0] == reference and (fresh is None or fresh(cached[1])):
        return cached[1]
    value = render()
    cache.set(full_key, (reference, value), timeout=TIMEOUT)
    return value


def render_part(template_name, context):
    """Render a part to cache. Without the request, so that nothing of one request (its
    user, its messages, its CSRF token) can be cached with it; a form's token is the
    placeholder `with_csrf_token` fills."""
    return render_to_string(template_name, {**context, "csrf_token": CSRF_PLACEHOLDER})


def with_csrf_token(request, part):
    """A cached part with this response's CSRF token in its forms."""
    if CSRF_PLACEHOLDER not in part:
        return part
    # The part was escaped when rendered; the token is letters and digits.
    return SafeString(part.replace(CSRF_PLACEHOLDER, get_token(request)))
