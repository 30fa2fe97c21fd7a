"""Wait estimates from live staffing and handling times."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.handoff.wait import (
    DEFAULT_HANDLING,
    Staffing,
    describe_wait,
    estimate_wait,
    handling_time,
)

TEN_MINUTES = [timedelta(minutes=m) for m in (8, 10, 12, 10, 30)]


@pytest.mark.parametrize(
    ("position", "staffing", "expected"),
    [
        (1, Staffing(agents_online=0, capacity=0, load=0), None),
        (1, Staffing(agents_online=2, capacity=4, load=3), timedelta(0)),
        (2, Staffing(agents_online=2, capacity=4, load=3), timedelta(minutes=2, seconds=30)),
        (5, Staffing(agents_online=2, capacity=4, load=4), timedelta(minutes=12, seconds=30)),
        (1, Staffing(agents_online=1, capacity=1, load=1), timedelta(minutes=10)),
    ],
)
def test_estimate_wait_from_places_ahead_and_throughput(position, staffing, expected):
    assert estimate_wait(position, staffing, TEN_MINUTES) == expected


def test_handling_time_is_the_recent_median_or_a_default_without_history():
    assert handling_time(TEN_MINUTES) == timedelta(minutes=10)
    assert handling_time(TEN_MINUTES[:2]) == DEFAULT_HANDLING
    long_ago = [timedelta(hours=2)] * 30
    assert handling_time(long_ago + TEN_MINUTES * 4) == timedelta(minutes=10)


def test_positions_start_at_one():
    with pytest.raises(ValueError, match="start at 1"):
        estimate_wait(0, Staffing(1, 1, 0), [])


@pytest.mark.parametrize(
    ("wait", "text"),
    [
        (timedelta(0), "a minute or two"),
        (timedelta(seconds=150), "about 3 minutes"),
        (timedelta(minutes=59, seconds=1), "about 1 hour"),
        (timedelta(minutes=60), "about 1 hour"),
        (timedelta(minutes=130), "about 2 hours 10 minutes"),
    ],
)
def test_describe_wait_rounds_up(wait, text):
    assert describe_wait(wait) == text
