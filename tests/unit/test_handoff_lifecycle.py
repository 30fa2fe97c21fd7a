"""Every allowed and every forbidden change of a handoff's status."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from bot.errors import HandoffTransitionError
from bot.handoff.lifecycle import TRANSITIONS, Action, Status, next_status, transition

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)

ALLOWED = [
    (None, Action.REQUEST, Status.QUEUED),
    (Status.QUEUED, Action.CLAIM, Status.ASSIGNED),
    (Status.QUEUED, Action.ASSIGN, Status.ASSIGNED),
    (Status.QUEUED, Action.CANCEL, Status.CANCELLED),
    (Status.QUEUED, Action.ABANDON, Status.ABANDONED),
    (Status.QUEUED, Action.LEAVE_MESSAGE, Status.MESSAGE_LEFT),
    (Status.ASSIGNED, Action.TRANSFER, Status.ASSIGNED),
    (Status.ASSIGNED, Action.REQUEUE, Status.QUEUED),
    (Status.ASSIGNED, Action.CLOSE, Status.CLOSED),
    (Status.ASSIGNED, Action.RELEASE, Status.RELEASED),
    (Status.ASSIGNED, Action.ABANDON, Status.ABANDONED),
]
ALLOWED_PAIRS = {(before, action) for before, action, _ in ALLOWED}
FORBIDDEN = [
    (before, action)
    for before, action in itertools.product([None, *Status], Action)
    if (before, action) not in ALLOWED_PAIRS
]


@pytest.mark.parametrize(("before", "action", "after"), ALLOWED)
def test_allowed_transitions(before, action, after):
    record = transition("h1", before, action, actor="agent:ana", reason="why", at=NOW)

    assert (record.before, record.after) == (before, after)
    assert record.as_record()["to"] == after.value
    assert record.as_record()["at"] == "2026-11-25T10:30:00+00:00"


@pytest.mark.parametrize(("before", "action"), FORBIDDEN)
def test_forbidden_transitions(before, action):
    with pytest.raises(HandoffTransitionError, match=f"cannot {action.value}"):
        next_status(before, action)


def test_the_table_is_exactly_the_documented_one():
    assert set(TRANSITIONS) == ALLOWED_PAIRS


def test_ended_handoffs_accept_nothing_and_give_the_conversation_back():
    ended = [s for s in Status if not s.is_open]

    assert set(ended) == {
        Status.CLOSED,
        Status.RELEASED,
        Status.CANCELLED,
        Status.ABANDONED,
        Status.MESSAGE_LEFT,
    }
    for status, action in itertools.product(ended, Action):
        with pytest.raises(HandoffTransitionError):
            next_status(status, action)


def test_a_change_needs_an_actor_and_an_aware_time():
    with pytest.raises(HandoffTransitionError, match="actor"):
        transition("h1", None, Action.REQUEST, actor="", at=NOW)
    with pytest.raises(HandoffTransitionError, match="timezone"):
        transition("h1", None, Action.REQUEST, actor="customer", at=datetime(2026, 1, 1))
