import pytest

from credentials.services import cycle_get_or_create


@pytest.fixture
def cycle(db):
    """The 2027 cycle with design.md's defaults: CECs earned in 2026, due 1 January 2027."""
    return cycle_get_or_create(year=2027)
