"""What the seed is made of: how seeded rows are recognised, the two cycles, the weights and
names holders are drawn from, and the holders that make sure every state is seeded."""

import datetime
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from cecs.models import Source

DOMAIN = "scale.test"
MEMBER_PREFIX = "SC"
CLASS_MARK = "[scale]"  # ends the instructor name of every seeded AASC class
BENCH_HOLDER = f"bench-holder@{DOMAIN}"
BENCH_REVIEWER = f"bench-reviewer@{DOMAIN}"
BENCH_ADMIN = f"bench-admin@{DOMAIN}"
STAFF_COUNT = 5
REVIEWER_COUNT = 3
CHUNK = 10_000

DENVER = ZoneInfo("America/Denver")
PAST_CYCLE, CURRENT_CYCLE = 2026, 2027
LAST_EARNED = datetime.date(2026, 11, 15)  # the current earning year, so far
ISSUED_2026 = datetime.datetime(2025, 11, 2, 8, 0, tzinfo=DENVER)
ISSUED_2027 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=DENVER)

TYPE_WEIGHTS = {"CAM": 30, "NALP": 30, "CAPS": 10, "CAS": 10, "CAMT": 12, "AIME": 8}
SOURCE_WEIGHTS = {
    Source.AASC_CLASS: 40,
    Source.EXPO_CLASS: 10,
    Source.COMMITTEE: 7,
    Source.VOLUNTEERING: 5,
    Source.OTHER_PROVIDER: 38,
}
FORM_SOURCES = {Source.EXPO_CLASS, Source.COMMITTEE, Source.VOLUNTEERING}
HOURS_BY_SOURCE = {
    Source.EXPO_CLASS: ["1.00", "1.50", "2.00"],
    Source.COMMITTEE: ["1.00", "2.00", "3.00"],
    Source.VOLUNTEERING: ["1.00", "2.00", "4.00"],
    Source.OTHER_PROVIDER: ["1.00", "1.50", "2.00", "3.00"],
    Source.NAA_COURSE: ["1.00", "1.50", "2.00", "3.00"],
}
CLASS_HOURS = ["1.50", "2.00", "3.00", "3.50", "4.00", "6.00"]


# Holders 1 to 10 are set up so that every state is seeded even for a small N.
SHOWCASE = {
    1: {
        "pending_forms": [
            ("submitted", datetime.date(2026, 10, 1), Decimal(2), "expo_class"),
            ("removed", datetime.date(2026, 10, 8), Decimal(1), "volunteering"),
        ]
    },
    2: {
        "submission_2027": "pending",
        "claimed_course": (datetime.date(2026, 9, 15), Decimal("1.50"), "Fair Housing Essentials"),
    },
    3: {"submission_2027": "approved", "paid_2027_on": datetime.date(2026, 11, 10)},
    4: {
        "submission_2027": "rejected+pending",
        "rejected_first_2026": True,
        "claimed_course": (datetime.date(2026, 10, 6), Decimal(3), "Risk Management"),
        "course_not_accepted": True,
    },
    5: {"submission_2027": "rejected", "lapsed": False},
    6: {"lapsed": True, "past_invoice_roll": 0.1},  # 2026 invoice left open
    7: {"lapsed": True, "past_invoice_roll": 0.8},  # void
    8: {"lapsed": True, "past_invoice_roll": 0.9},  # paid, then refunded
    9: {"waiver_2026": (True, False), "emeritus": True},
    10: {"waiver_2027": (True, True)},
}


def words(text):
    return text.split()


FIRST = words(
    "Avery Blake Casey Dana Elliot Frankie Gale Harper Indra Jordan Kai Logan Morgan Noor "
    "Oakley Parker Quinn Riley Sasha Taylor Uma Val Wren Yael Zion Alex Bailey Cameron Drew "
    "Emerson Finley Gray Hayden Jamie Kendall Lee Marley Nico Payton Reese Sage Skyler"
)
LAST = words(
    "Garcia Smith Johnson Martinez Brown Lopez Davis Hernandez Wilson Anderson Thomas Moore "
    "Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson "
    "Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker"
)
CITIES = [
    ("Colorado Springs", "809"),
    ("Pueblo", "810"),
    ("Fountain", "808"),
    ("Monument", "801"),
    ("Canon City", "812"),
    ("Woodland Park", "808"),
]
EMPLOYERS = [
    "Front Range Apartments",
    "Pikes Peak Living",
    "Garden of the Gods Residential",
    "Cheyenne Mountain Properties",
    "Arkansas Valley Communities",
    "Summit Property Management",
]
JOBS = ["Leasing Professional", "Community Manager", "Regional Supervisor", "Maintenance Tech"]
TOPICS = [
    "Fair Housing Essentials",
    "Resident Retention",
    "Leasing in a Soft Market",
    "Budgeting for Managers",
    "Maintenance Safety",
    "Screening and the Law",
    "Conflict Resolution",
    "Marketing Your Community",
    "Risk Management",
    "Customer Service Excellence",
]
INSTRUCTORS = ["Pat Rivera", "Sam Okafor", "Lee Brandt", "Jo Castillo", "Robin Hale"]
PROVIDERS = ["NAA Education Institute", "Grace Hill", "Local college", "Apartment Academy"]
BRANDS = ["visa", "mastercard", "amex", "discover"]


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def local(day, hour=10, minute=0, key=None):
    """A moment on `day` in Colorado; with `key`, spread over the following eight hours
    (to the microsecond, as real clicks are: no two holders submit at the same instant)."""
    moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=DENVER)
    if key is not None:
        moment += datetime.timedelta(
            seconds=(key * 7919) % 28_800, microseconds=(key * 104_729) % 1_000_000
        )
    return moment


def day_in(rng, start, end):
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


SEED_TOKEN = uuid.UUID("5ca1e000-0000-4000-8000-000000000000")
