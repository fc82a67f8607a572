"""The "just taken" page offers the nearest free times: the widening window gives the same answer."""

import pytest
import time_machine

from bookings.selectors import free_times_nearest
from tests.bookings.conftest import NOW
from tests.factories import tokyo

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        # Within a day of 10 Dec 10:00 there are only two: the window widens to a week.
        (3, [tokyo(2026, 12, 10, 9, 30), tokyo(2026, 12, 10, 14, 0), tokyo(2026, 12, 11, 10, 0)]),
        # A week holds four: the window widens to the horizon; 3 Dec (7 days) beats 2 Dec (8).
        (
            5,
            [
                tokyo(2026, 12, 3, 10, 0),
                tokyo(2026, 12, 10, 9, 30),
                tokyo(2026, 12, 10, 14, 0),
                tokyo(2026, 12, 11, 10, 0),
                tokyo(2026, 12, 14, 10, 0),
            ],
        ),
    ],
)
def test_the_nearest_free_times_are_those_of_the_whole_horizon(world, limit, expected):
    for start in [
        tokyo(2026, 12, 2, 10, 0),
        tokyo(2026, 12, 10, 9, 30),
        tokyo(2026, 12, 10, 14, 0),
        tokyo(2026, 12, 11, 10, 0),
        tokyo(2026, 12, 14, 10, 0),
        tokyo(2026, 12, 21, 10, 0),
    ]:
        world.slot_at(start)  # world.slot is 3 Dec 10:00
    with time_machine.travel(NOW, tick=False):
        found = free_times_nearest(
            jobseeker=world.jobseeker, around=tokyo(2026, 12, 10, 10, 0), now=NOW, limit=limit
        )
    assert [slot.starts_at for slot in found] == expected
