"""The cecs models, one module per sub-domain. Everything is imported here so that
`from cecs.models import X` and the migrations' references (`cecs.models.private_storage`,
`new_verification_code`, `new_feed_token`) keep working."""

from .classes import (
    AascClass,
    Attendance,
    CalendarFeed,
    ClassCalendarVersion,
    Reservation,
    new_feed_token,
)
from .kinds import ActivityKind, Category, Source
from .ledger import HOURS, CecEntry, new_verification_code, private_storage
from .reporting import ReportingForm
from .submissions import Submission, SubmissionEntry, SubmissionTally

__all__ = [
    "HOURS",
    "AascClass",
    "ActivityKind",
    "Attendance",
    "CalendarFeed",
    "Category",
    "CecEntry",
    "ClassCalendarVersion",
    "ReportingForm",
    "Reservation",
    "Source",
    "Submission",
    "SubmissionEntry",
    "SubmissionTally",
    "new_feed_token",
    "new_verification_code",
    "private_storage",
]
