"""The cecs models, one module per sub-domain. Everything is imported here so that
`from cecs.models import X` and the migrations' references (`cecs.models.private_storage`,
`new_verification_code`, `new_feed_token`) keep working."""

from .classes import AascClass, Attendance, CalendarFeed, Reservation, new_feed_token
from .ledger import (
    CATEGORY_OF_SOURCE,
    HOURS,
    Category,
    CecEntry,
    Source,
    new_verification_code,
    private_storage,
)
from .reporting import ReportingForm
from .submissions import Submission, SubmissionEntry

__all__ = [
    "CATEGORY_OF_SOURCE",
    "HOURS",
    "AascClass",
    "Attendance",
    "CalendarFeed",
    "Category",
    "CecEntry",
    "ReportingForm",
    "Reservation",
    "Source",
    "Submission",
    "SubmissionEntry",
    "new_feed_token",
    "new_verification_code",
    "private_storage",
]
