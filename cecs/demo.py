"""Demo classes for `make run`: two upcoming AASC classes a short holder can book."""

import datetime

from django.utils import timezone

from .models import AascClass

DEMO_CLASSES = [
    (
        "Fair Housing Essentials",
        14,
        "Pat Rivera",
        3,
        "AASC office, 102 S Tejon St, Colorado Springs",
    ),
    (
        "Leadership for Community Managers",
        21,
        "Morgan Lee",
        5,
        "AASC office, 102 S Tejon St, Colorado Springs",
    ),
]


def seed_demo_classes(*, now=None):
    now = now or timezone.now()
    created = 0
    for title, days_ahead, instructor, hours, location in DEMO_CLASSES:
        starts_at = (now + datetime.timedelta(days=days_ahead)).replace(
            hour=16, minute=0, second=0, microsecond=0
        )
        _, new = AascClass.objects.get_or_create(
            title=title,
            defaults={
                "held_on": timezone.localdate(starts_at),
                "starts_at": starts_at,
                "ends_at": starts_at + datetime.timedelta(hours=hours, minutes=30),
                "instructor": instructor,
                "hours": hours,
                "location": location,
                "seats": 20,
                "published": True,
            },
        )
        created += new
    return created
