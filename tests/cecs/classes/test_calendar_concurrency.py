"""Two holders reserve the last seat of a class at the same moment, each on its own
database connection (PostgreSQL): exactly one gets it. The class row lock queues them;
without it, the seat counter's check constraint still refuses the second."""

import datetime
import threading
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from cecs.classes import reservations
from cecs.classes.reservations import reservation_create
from cecs.models import AascClass, Reservation
from core.errors import ApplicationError
from tests.factories import AascClassFactory, HolderProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

DENVER = ZoneInfo("America/Denver")
NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=DENVER)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.fail("row locks and concurrent transactions need PostgreSQL: run `make test`")


def class_with_one_seat_left(seats=2):
    aasc_class = AascClassFactory(
        title="Leasing Law",
        held_on=datetime.date(2026, 12, 3),
        starts_at=datetime.datetime(2026, 12, 3, 9, 0, tzinfo=DENVER),
        hours=Decimal(3),
        location="AASC office",
        seats=seats,
        published=True,
    )
    for _ in range(seats - 1):
        reservation_create(aasc_class=aasc_class, holder=HolderProfileFactory(), now=NOW)
    return aasc_class


def race(aasc_class, holders):
    """Each holder reserves in its own thread, all released at once by a barrier.
    Returns {holder pk: "reserved" or the refusal}."""
    barrier = threading.Barrier(len(holders))
    outcome = {}

    def reserve(holder):
        try:
            barrier.wait(timeout=10)
            reservation_create(aasc_class=aasc_class, holder=holder, now=NOW)
            outcome[holder.pk] = "reserved"
        except ApplicationError as error:
            outcome[holder.pk] = str(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=reserve, args=(holder,)) for holder in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a reservation hung"
    return outcome


def assert_exactly_one_got_the_last_seat(aasc_class, holders, outcome):
    assert len(outcome) == len(holders), outcome
    assert list(outcome.values()).count("reserved") == 1, outcome
    refusals = [v for v in outcome.values() if v != "reserved"]
    assert len(refusals) == len(holders) - 1
    aasc_class.refresh_from_db()
    active = Reservation.objects.filter(aasc_class=aasc_class, status="reserved").count()
    assert (active, aasc_class.seats_taken) == (aasc_class.seats, aasc_class.seats)


def test_two_reservations_of_the_last_seat_one_succeeds():
    for _ in range(3):  # a few rounds: the threads interleave differently each time
        aasc_class = class_with_one_seat_left()
        holders = [HolderProfileFactory(), HolderProfileFactory()]
        outcome = race(aasc_class, holders)
        assert_exactly_one_got_the_last_seat(aasc_class, holders, outcome)
        assert [v for v in outcome.values() if v != "reserved"] == [
            "Leasing Law on December 3, 2026 is full."
        ]


def test_the_second_reservation_waits_for_the_first_and_finds_the_class_full(monkeypatch):
    """Hold the lock a moment after taking it, so the other thread is certainly waiting on
    it (not merely late): it must then see the seat taken."""
    locked = reservations._locked_class

    def slow_lock(aasc_class):
        row = locked(aasc_class)
        time.sleep(0.3)
        return row

    aasc_class = class_with_one_seat_left(seats=1)
    holders = [HolderProfileFactory() for _ in range(3)]
    monkeypatch.setattr(reservations, "_locked_class", slow_lock)

    outcome = race(aasc_class, holders)

    assert_exactly_one_got_the_last_seat(aasc_class, holders, outcome)


def test_without_the_lock_the_seat_counter_constraint_still_refuses_the_second(monkeypatch):
    """Take the lock away (a plain read, as a careless new code path would do) and make
    both transactions read "one seat left" before either writes: PostgreSQL's check
    constraint on the seat counter refuses the second all the same."""
    both_read = threading.Barrier(2)

    def unlocked_read(aasc_class):
        row = AascClass.objects.get(pk=aasc_class.pk)
        both_read.wait(timeout=10)
        return row

    aasc_class = class_with_one_seat_left()
    holders = [HolderProfileFactory(), HolderProfileFactory()]
    monkeypatch.setattr(reservations, "_locked_class", unlocked_read)

    outcome = race(aasc_class, holders)

    assert_exactly_one_got_the_last_seat(aasc_class, holders, outcome)
    assert [v for v in outcome.values() if v != "reserved"] == [
        "The seat in Leasing Law could not be reserved: it is full or already yours."
    ]
