"""The reporting forms' scheduled work. A module of its own: cecs.tasks sits below reporting
(pyproject.toml's cecs layers); the worker imports it by CELERY_IMPORTS."""

import dataclasses

from celery import shared_task

from .uploads import orphan_uploads_remove


@shared_task(name="cecs.remove_orphan_uploads")
def orphan_uploads_remove_task():
    """Nightly: delete stored scans no form names any more (replaced, or their save failed);
    the counts go to the worker's log as the task's result."""
    return dataclasses.asdict(orphan_uploads_remove())
