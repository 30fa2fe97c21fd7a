"""The desk and Rasa never disagree: a desk change and what it tells the conversation are
stored together (the outbox), delivered when Rasa is back, in order per conversation, and a
conversation whose record still disagrees with the desk is mended."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from bot.desk.desk import SupportDesk
from bot.handoff.lifecycle import Action, Status
from bot.handoff.model import Presence
from bot.handoff.slot import HANDOFF_SLOT
from bot.storage.outbox import SqlRasaOutbox
from tests.conftest import OPEN_TIME
from tests.fakes import FakeRasaApi
from tests.unit.test_agent_api import parts, session, waiting_customer  # noqa: F401
from tests.unit.test_review_labelling import write_tracker


def rasa_of(desk_parts) -> FakeRasaApi:
    return desk_parts.desk.delivery.rasa


def test_a_close_while_rasa_is_down_reaches_the_customer_when_rasa_is_back(settings, parts):  # noqa: F811
    handoff = waiting_customer(parts, "c1")
    rasa = rasa_of(parts)

    async def script(client, login):
        headers = await login("anna")
        await client.post(f"/api/handoffs/{handoff}/claim", headers=headers)
        rasa.down = True
        closed = await client.post(
            f"/api/handoffs/{handoff}/close", json={"note": "refunded"}, headers=headers
        )
        return closed.status

    assert session(settings, parts, script) == 200
    # The desk's change stands; the conversation has not heard of it yet, and it waits.
    assert parts.desk.queue.get(handoff).status is Status.CLOSED
    assert [v["status"] for v in rasa.slots("c1", HANDOFF_SLOT)] == ["assigned"]
    assert parts.desk.outbox.backlog() == 1

    rasa.down = False
    parts.clock.advance(seconds=5)  # past the pause after the failed attempt
    assert asyncio.run(parts.desk.delivery.deliver()) is True

    assert [v["status"] for v in rasa.slots("c1", HANDOFF_SLOT)] == ["assigned", "closed"]
    assert "anna has closed the chat." in rasa.texts("c1")[-1]
    assert parts.desk.outbox.backlog() == 0


def test_agent_messages_while_rasa_is_down_are_kept_and_arrive_in_order(settings, parts):  # noqa: F811
    handoff = waiting_customer(parts, "c1")
    rasa = rasa_of(parts)

    async def script(client, login):
        headers = await login("anna")
        await client.post(f"/api/handoffs/{handoff}/claim", headers=headers)
        rasa.down = True
        replies = []
        for text in ("first", "second"):
            reply = await client.post(
                f"/api/handoffs/{handoff}/messages", json={"text": text}, headers=headers
            )
            replies.append((reply.status, await reply.json()))
        return replies

    replies = session(settings, parts, script)
    assert replies == [(201, {"sent": True, "delivered": False})] * 2

    rasa.down = False
    for _ in range(3):  # the feed's ticks: each waits for the pause after a failure
        parts.clock.advance(seconds=40)
        asyncio.run(parts.desk.delivery.deliver())

    assert rasa.texts("c1")[-2:] == ["first", "second"]


def test_one_conversation_refused_does_not_hold_back_another(settings, parts):  # noqa: F811
    outbox, rasa = parts.desk.outbox, rasa_of(parts)
    outbox.add("stuck", [{"event": "bot", "text": "a"}], now=OPEN_TIME)
    outbox.add("fine", [{"event": "bot", "text": "b"}], now=OPEN_TIME)
    rasa.refusing.add("stuck")

    assert asyncio.run(parts.desk.delivery.deliver()) is False
    assert rasa.texts("fine") == ["b"] and rasa.texts("stuck") == []
    assert outbox.backlog() == 1


def test_a_conversation_still_recorded_as_with_an_agent_is_mended(settings, parts, tmp_path):  # noqa: F811
    """Made before the outbox (or with its row lost): the desk closed the handoff, but the
    conversation's record still says an agent has it, so the bot would stay silent."""
    desk: SupportDesk = parts.desk
    handoff = waiting_customer(parts, "c1")
    desk.queue.set_presence("anna", Presence.ONLINE, capacity=3, now=OPEN_TIME)
    desk.queue.claim(handoff, "anna", now=OPEN_TIME)
    closed = desk.queue.end(
        handoff, Action.CLOSE, actor="agent:anna", reason="done", now=OPEN_TIME
    )  # no ``tell``: the conversation never heard
    record = {"id": handoff, "status": "assigned", "agent": "anna"}
    write_tracker(
        tmp_path / "tracker.db",
        {
            "c1": [
                {"event": "user", "text": "a person please", "timestamp": 1.0},
                {"event": "slot", "name": HANDOFF_SLOT, "value": record, "timestamp": 2.0},
            ],
            "c2": [{"event": "user", "text": "hello", "timestamp": 1.0}],
        },
    )
    parts.clock.advance(seconds=60)

    mended = asyncio.run(desk.reconcile())

    assert mended == 1
    (value,) = rasa_of(parts).slots("c1", HANDOFF_SLOT)
    assert (value["id"], value["status"]) == (closed.id, "closed")


def test_a_conversation_that_asked_again_is_left_alone(settings, parts, tmp_path):  # noqa: F811
    desk: SupportDesk = parts.desk
    first = waiting_customer(parts, "c1")
    desk.queue.end(first, Action.CANCEL, actor="customer", reason="changed mind", now=OPEN_TIME)
    write_tracker(
        tmp_path / "tracker.db",
        {
            "c1": [
                {
                    "event": "slot",
                    "name": HANDOFF_SLOT,
                    "value": {"id": "other", "status": "queued"},
                    "timestamp": 2.0,
                }
            ]
        },
    )

    assert asyncio.run(desk.reconcile()) == 0
    assert rasa_of(parts).appended == []


def test_kept_events_carry_the_time_they_are_delivered(settings, parts):  # noqa: F811
    """Rasa reads a session from its latest start by time: an update kept while Rasa was down
    must not look older than a session the customer started meanwhile."""
    outbox, rasa = parts.desk.outbox, rasa_of(parts)
    outbox.add("c1", [{"event": "bot", "text": "hello", "timestamp": 1.0}], now=OPEN_TIME)
    parts.clock.advance(seconds=3600)

    asyncio.run(parts.desk.delivery.deliver())

    (event,) = rasa.appended[0][1]
    assert event["timestamp"] == parts.clock().timestamp()


def test_an_update_rasa_keeps_refusing_is_given_up_and_lets_the_next_through(
    settings,
    parts,  # noqa: F811
):
    outbox, rasa = parts.desk.outbox, rasa_of(parts)
    outbox.add("c1", [{"event": "bot", "text": "refused"}], now=OPEN_TIME)
    outbox.add("c1", [{"event": "bot", "text": "next"}], now=OPEN_TIME)
    rasa.refusing.add("c1")
    for _ in range(3):
        asyncio.run(parts.desk.delivery.deliver())
        parts.clock.advance(seconds=60)
    rasa.refusing.clear()

    assert asyncio.run(parts.desk.delivery.deliver()) is True
    assert rasa.texts("c1") == ["next"]
    assert outbox.backlog() == 0


def test_when_rasa_cannot_be_reached_one_attempt_ends_the_pass(settings, parts):  # noqa: F811
    """One timeout, not one per waiting conversation: the desk's feed must go on."""
    outbox, rasa = parts.desk.outbox, rasa_of(parts)
    for conversation in ("a", "b", "c"):
        outbox.add(conversation, [{"event": "bot", "text": "x"}], now=OPEN_TIME)
    rasa.down = True

    assert asyncio.run(parts.desk.delivery.deliver()) is False
    assert rasa.attempts == 1
    assert outbox.backlog() == 3


# -- the outbox table itself, on SQLite and PostgreSQL -------------------------------------


def test_the_outbox_gives_each_conversation_its_oldest_row_first(database_url):
    outbox = SqlRasaOutbox(database_url)
    for conversation, text in [("a", "a1"), ("b", "b1"), ("a", "a2")]:
        outbox.add(conversation, [{"event": "bot", "text": text}], now=OPEN_TIME)

    due = outbox.due(now=OPEN_TIME)

    assert [(i.conversation_id, i.events[0]["text"]) for i in due] == [("a", "a1"), ("b", "b1")]
    assert outbox.pending_for(["a", "b", "c"]) == {"a", "b"}


def test_a_claimed_row_is_not_sent_by_a_second_deliverer(database_url):
    outbox = SqlRasaOutbox(database_url)
    outbox.add("a", [{"event": "bot", "text": "x"}], now=OPEN_TIME)
    (item,) = outbox.due(now=OPEN_TIME)

    assert outbox.claim(item.id, now=OPEN_TIME) is True
    assert outbox.claim(item.id, now=OPEN_TIME) is False
    assert outbox.due(now=OPEN_TIME) == []  # while claimed
    assert outbox.claim(item.id, now=OPEN_TIME + timedelta(minutes=5)) is True  # claim expired


def test_a_failed_row_waits_and_holds_back_its_conversation(database_url):
    outbox = SqlRasaOutbox(database_url)
    outbox.add("a", [{"event": "bot", "text": "1"}], now=OPEN_TIME)
    outbox.add("a", [{"event": "bot", "text": "2"}], now=OPEN_TIME)
    (first,) = outbox.due(now=OPEN_TIME)
    outbox.claim(first.id, now=OPEN_TIME)

    outbox.failed(first.id, error="down", retry_at=OPEN_TIME + timedelta(seconds=4))

    assert outbox.due(now=OPEN_TIME + timedelta(seconds=1)) == []
    (again,) = outbox.due(now=OPEN_TIME + timedelta(seconds=5))
    assert (again.id, again.attempts) == (first.id, 1)
    outbox.delivered(again.id, now=OPEN_TIME + timedelta(seconds=5))
    (second,) = outbox.due(now=OPEN_TIME + timedelta(seconds=5))
    assert json.dumps(second.events) == json.dumps([{"event": "bot", "text": "2"}])
