"""The handoff queue on real databases (SQLite and PostgreSQL): order, claims, capacity,
restarts, the record."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import HandoffError, HandoffTransitionError
from bot.handoff.lifecycle import Action, Status
from bot.handoff.model import Presence
from bot.storage.handoffs import SqlHandoffQueue

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def queue(database_url) -> SqlHandoffQueue:
    return SqlHandoffQueue(database_url)


def ask(queue, conversation: str, minute: float, priority: str = "normal"):
    return queue.request(
        conversation,
        channel="socketio",
        reason="asked for a person",
        priority=priority,
        actor="customer",
        now=at(minute),
    )


def test_the_queue_serves_high_priority_first_then_in_order_of_waiting(queue):
    first = ask(queue, "c1", 0)
    second = ask(queue, "c2", 1)
    angry = ask(queue, "c3", 2, priority="high")

    assert [h.conversation_id for h in queue.waiting()] == ["c3", "c1", "c2"]
    assert [queue.position(h.id) for h in (angry, first, second)] == [1, 2, 3]


def test_asking_again_while_waiting_keeps_the_same_place(queue):
    first = ask(queue, "c1", 0)
    ask(queue, "c2", 1)

    again = ask(queue, "c1", 5)

    assert again.id == first.id
    assert queue.position(first.id) == 1
    assert len(queue.waiting()) == 2


def test_an_agent_claims_and_the_record_says_who_why_and_when(queue):
    handoff = ask(queue, "c1", 0)
    queue.set_presence("ana", Presence.ONLINE, capacity=2, now=at(0))

    claimed = queue.claim(handoff.id, "ana", now=at(3))

    assert (claimed.status, claimed.agent, claimed.assigned_at) == (Status.ASSIGNED, "ana", at(3))
    assert queue.position(handoff.id) is None
    history = queue.history(handoff.id)
    assert [(t.before, t.after, t.actor) for t in history] == [
        (None, Status.QUEUED, "customer"),
        (Status.QUEUED, Status.ASSIGNED, "agent:ana"),
    ]
    assert history[0].reason == "asked for a person" and history[1].at == at(3)


def test_two_agents_claiming_at_once_exactly_one_wins(database_url):
    setup = SqlHandoffQueue(database_url)
    handoff = ask(setup, "c1", 0)
    for agent in ("ana", "ben"):
        setup.set_presence(agent, Presence.ONLINE, capacity=3, now=at(0))
    results: dict[str, object] = {}
    start = threading.Barrier(2)

    def claim(agent: str) -> None:
        queue = SqlHandoffQueue(database_url)  # as another server process would
        start.wait()
        try:
            results[agent] = queue.claim(handoff.id, agent, now=at(1)).agent
        except HandoffTransitionError as exc:
            results[agent] = exc

    threads = [threading.Thread(target=claim, args=(a,)) for a in ("ana", "ben")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [a for a, r in results.items() if r == a]
    assert len(winners) == 1
    assert setup.get(handoff.id).agent == winners[0]
    assert len(setup.history(handoff.id)) == 2


def test_assignment_goes_to_the_least_loaded_online_agent_within_capacity(queue):
    queue.set_presence("ana", Presence.ONLINE, capacity=1, now=at(0))
    queue.set_presence("ben", Presence.ONLINE, capacity=2, now=at(0))
    queue.set_presence("cat", Presence.AWAY, capacity=5, now=at(0))
    handoffs = [ask(queue, f"c{i}", i) for i in range(4)]

    assigned = [queue.assign_next(now=at(10)) for _ in range(4)]

    assert [h.agent if h else None for h in assigned] == ["ana", "ben", "ben", None]
    assert queue.waiting()[0].id == handoffs[3].id
    assert (queue.load("ana"), queue.load("ben"), queue.load("cat")) == (1, 2, 0)


def test_nobody_online_means_nobody_is_assigned(queue):
    ask(queue, "c1", 0)
    queue.set_presence("ana", Presence.OFFLINE, capacity=2, now=at(0))

    assert queue.assign_next(now=at(1)) is None
    with pytest.raises(HandoffError, match="not online"):
        queue.claim(queue.waiting()[0].id, "ana", now=at(1))


def test_an_agent_at_capacity_cannot_claim_more(queue):
    queue.set_presence("ana", Presence.ONLINE, capacity=1, now=at(0))
    first, second = ask(queue, "c1", 0), ask(queue, "c2", 1)
    queue.claim(first.id, "ana", now=at(2))

    with pytest.raises(HandoffError, match="already has 1"):
        queue.claim(second.id, "ana", now=at(3))


def test_a_requeued_customer_keeps_their_place(queue):
    queue.set_presence("ana", Presence.ONLINE, capacity=2, now=at(0))
    first = ask(queue, "c1", 0)
    ask(queue, "c2", 1)
    queue.claim(first.id, "ana", now=at(2))

    back = queue.requeue(first.id, reason="agent disconnected", now=at(9))

    assert (back.status, back.agent) == (Status.QUEUED, None)
    assert queue.position(first.id) == 1


def test_a_restart_keeps_the_queue_and_positions(database_url):
    before = SqlHandoffQueue(database_url)
    ids = [ask(before, f"c{i}", i).id for i in range(3)]

    after = SqlHandoffQueue(database_url)

    assert [after.position(i) for i in ids] == [1, 2, 3]
    assert after.get(ids[0]).requested_at == at(0)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (Action.CANCEL, Status.CANCELLED),
        (Action.ABANDON, Status.ABANDONED),
        (Action.LEAVE_MESSAGE, Status.MESSAGE_LEFT),
    ],
)
def test_a_waiting_customer_can_leave_the_queue(queue, action, status):
    handoff = ask(queue, "c1", 0)

    ended = queue.end(handoff.id, action, actor="customer", now=at(4))

    assert (ended.status, ended.ended_at) == (status, at(4))
    assert queue.waiting() == [] and queue.open_for("c1") is None


def test_closing_needs_a_note_and_hands_the_customer_back(queue):
    queue.set_presence("ana", Presence.ONLINE, capacity=2, now=at(0))
    handoff = queue.claim(ask(queue, "c1", 0).id, "ana", now=at(1))

    with pytest.raises(HandoffError, match="resolution note"):
        queue.end(handoff.id, Action.CLOSE, actor="agent:ana", reason=" ", now=at(5))
    closed = queue.end(handoff.id, Action.CLOSE, actor="agent:ana", reason="refunded", now=at(5))

    assert (closed.status, closed.note) == (Status.CLOSED, "refunded")
    assert queue.open_for("c1") is None
    assert ask(queue, "c1", 6).id != handoff.id  # a new request is a new handoff


def test_transfer_moves_the_conversation_to_another_agent(queue):
    for agent in ("ana", "ben"):
        queue.set_presence(agent, Presence.ONLINE, capacity=2, now=at(0))
    handoff = queue.claim(ask(queue, "c1", 0).id, "ana", now=at(1))

    moved = queue.transfer(handoff.id, to_agent="ben", actor="agent:ana", now=at(2))

    assert (moved.status, moved.agent) == (Status.ASSIGNED, "ben")
    assert queue.history(handoff.id)[-1].reason == "transferred to ben"


def test_forbidden_changes_are_refused_and_not_recorded(queue):
    handoff = ask(queue, "c1", 0)

    with pytest.raises(HandoffTransitionError, match="cannot close a handoff that is queued"):
        queue.end(handoff.id, Action.CLOSE, actor="agent:ana", reason="x", now=at(1))
    with pytest.raises(HandoffError, match="does not end"):
        queue.end(handoff.id, Action.CLAIM, actor="agent:ana", now=at(1))

    assert len(queue.history(handoff.id)) == 1


def test_times_are_stored_in_utc_whatever_the_callers_zone(queue):
    london_winter = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    new_york = london_winter.astimezone(ZoneInfo("America/New_York"))

    handoff = queue.request(
        "c1", channel="rest", reason="r", priority="high", actor="policy", now=new_york
    )

    assert handoff.requested_at == london_winter
    naive = datetime(2026, 1, 1)
    with pytest.raises(HandoffError, match="timezone"):
        queue.request("c2", channel="rest", reason="r", priority="high", actor="x", now=naive)


def test_unknown_priority_is_refused(queue):
    with pytest.raises(HandoffError, match="priority must be one of high, normal"):
        ask(queue, "c1", 0, priority="urgent")


def test_the_wait_estimate_uses_live_staffing_and_recent_handling_times(queue):
    queue.set_presence("ana", Presence.ONLINE, capacity=1, now=at(0))
    for i, minutes in enumerate((8, 10, 12)):  # three conversations handled earlier
        handoff = queue.claim(ask(queue, f"old{i}", 0).id, "ana", now=at(0))
        queue.end(handoff.id, Action.CLOSE, actor="agent:ana", reason="done", now=at(minutes))
    talking = queue.claim(ask(queue, "c0", 20).id, "ana", now=at(20))
    waiting = [ask(queue, f"c{i}", 20 + i) for i in (1, 2)]

    assert queue.recent_handling_times() == [timedelta(minutes=m) for m in (8, 10, 12)]
    assert queue.staffing().free_places == 0
    assert [queue.estimated_wait(h.id) for h in waiting] == [
        timedelta(minutes=10),
        timedelta(minutes=20),
    ]
    assert queue.estimated_wait(talking.id) is None
    queue.set_presence("ana", Presence.OFFLINE, capacity=1, now=at(25))
    assert queue.estimated_wait(waiting[0].id) is None  # nobody online: no promise


def test_agents_not_heard_from_are_found_whatever_their_presence_says(queue):
    queue.set_presence("anna", Presence.ONLINE, capacity=2, now=at(0))
    queue.set_presence("ben", Presence.AWAY, capacity=2, now=at(0))
    queue.set_presence("cy", Presence.OFFLINE, capacity=2, now=at(0))
    queue.seen("anna", now=at(5))
    queue.seen("anna", now=at(4))  # a late, older heartbeat does not turn the clock back

    assert queue.unheard_since(at(1)) == ["ben"]  # offline agents are not missed
    assert queue.unheard_since(at(6)) == ["anna", "ben"]


def test_positions_counted_in_the_database_match_the_queue_order(queue):
    """Ties in time go by request order; customers taken or gone are not counted ahead."""
    queue.set_presence("anna", Presence.ONLINE, capacity=3, now=at(0))
    same_moment = [ask(queue, f"tie{n}", 1) for n in range(3)]
    urgent = ask(queue, "urgent", 2, priority="high")
    taken = ask(queue, "taken", 0)
    queue.claim(taken.id, "anna", now=at(3))

    expected = [h.id for h in queue.waiting()]

    assert expected == [urgent.id, *(h.id for h in same_moment)]
    assert [queue.position(i) for i in expected] == [1, 2, 3, 4]
    assert queue.position(taken.id) is None
    assert queue.position("no-such-handoff") is None
