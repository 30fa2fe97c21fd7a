"""The live-chat actions: queueing with honest waits, waiting, cancelling, leaving a message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.people import (
    ActionCancelHandoff,
    ActionHandoff,
    ActionHandoffWaiting,
    ActionLeaveMessage,
    ActionTakeMessage,
)
from bot.handoff.lifecycle import Action, Status
from bot.handoff.model import Presence
from bot.rasa_server.policies.handoff import next_action
from bot.services import Services
from tests.conftest import OPEN_TIME
from tests.unit.test_actions import run, tracker


@pytest.fixture
def services(settings, demo_searcher, hash_embedder, open_clock) -> Services:
    return Services(settings, clock=open_clock, embedder=hash_embedder, searcher=demo_searcher)


def online(services: Services, *agents: str, capacity: int = 1) -> None:
    for agent in agents:
        services.handoff_queue.set_presence(
            agent, Presence.ONLINE, capacity=capacity, now=OPEN_TIME
        )


def customer(conversation: str, text: str, intent: str, **kwargs: Any) -> Tracker:
    base = tracker(text, intent, **kwargs)
    base.sender_id = conversation
    return base


def slot(events: list[dict], name: str = "handoff") -> Any:
    return next(e["value"] for e in events if e.get("name") == name)


def buttons(message: dict) -> list[str]:
    return [b["title"] for b in message.get("buttons") or []]


def test_a_customer_is_queued_with_their_position_and_an_honest_wait(services):
    online(services, "anna")
    run(ActionHandoff(services), customer("c1", "human please", "request_human"))

    messages, events = run(ActionHandoff(services), customer("c2", "agent", "request_human"))

    text = messages[0]["text"]
    assert "you're number 2 in the queue" in text
    assert "The wait is about 6 minutes." in text  # one agent, 6-minute default handling
    assert "passed on to them" in text
    value = slot(events)
    assert value["status"] == "queued"
    assert value["change"]["action"] == "request" and value["change"]["actor"] == "customer"
    assert buttons(messages[0]) == ["Back to the bot"]


def test_a_wait_beyond_the_promise_is_said_and_a_message_offered(services):
    online(services, "anna")
    for number in range(3):
        run(ActionHandoff(services), customer(f"early-{number}", "agent", "request_human"))

    messages, _ = run(ActionHandoff(services), customer("late", "agent", "request_human"))

    assert "about 18 minutes" in messages[0]["text"]
    assert "longer than the 10 minutes we aim for" in messages[0]["text"]
    assert buttons(messages[0]) == ["Leave a message", "Back to the bot"]


def test_outside_hours_nobody_is_promised_and_no_one_is_queued(
    settings, demo_searcher, closed_clock
):
    services = Services(settings, clock=closed_clock, searcher=demo_searcher)
    online(services, "anna")  # even an agent who forgot to sign out does not change the hours

    messages, events = run(ActionHandoff(services), customer("c1", "human please", "request_human"))

    assert "isn't working right now; they're back tomorrow at 9:00" in messages[0]["text"]
    assert buttons(messages[0]) == ["Leave a message", "Keep chatting with the bot"]
    assert services.handoff_queue.waiting() == []
    assert all(e.get("name") != "handoff" for e in events)


def test_asking_again_while_waiting_keeps_the_place(services):
    online(services, "anna")
    run(ActionHandoff(services), customer("c1", "agent", "request_human"))
    run(ActionHandoff(services), customer("c2", "agent", "request_human"))

    messages, events = run(ActionHandoffWaiting(services), customer("c2", "hello?", "greet"))

    assert messages[0]["text"].startswith("Thanks, the team will see that. You're number 2")
    assert events == []
    assert [h.conversation_id for h in services.handoff_queue.waiting()] == ["c1", "c2"]


def test_a_claimed_conversation_makes_the_bot_fall_silent(services):
    online(services, "anna")
    run(ActionHandoff(services), customer("c1", "agent", "request_human"))
    handoff = services.handoff_queue.open_for("c1")
    services.handoff_queue.claim(handoff.id, "anna", now=OPEN_TIME)

    messages, events = run(ActionHandoffWaiting(services), customer("c1", "hi", "greet"))

    assert messages == []
    assert slot(events)["status"] == "assigned"


def test_cancelling_leaves_the_queue_and_records_who_and_why(services):
    online(services, "anna")
    run(ActionHandoff(services), customer("c1", "agent", "request_human"))

    messages, events = run(
        ActionCancelHandoff(services), customer("c1", "cancel", "cancel_handoff")
    )

    assert "you've left the queue" in messages[0]["text"]
    change = slot(events)["change"]
    assert (change["action"], change["actor"], change["to"]) == ("cancel", "customer", "cancelled")
    assert services.handoff_queue.open_for("c1") is None


def test_a_message_needs_contact_details_on_the_web_and_is_kept_with_them(services):
    messages, events = run(
        ActionLeaveMessage(services), customer("c1", "leave a message", "leave_message")
    )
    assert "email address or phone number" in messages[0]["text"]
    asked = slot(events)
    assert asked["status"] == "taking_message"

    messages, events = run(
        ActionTakeMessage(services),
        customer("c1", "my parcel never came", "report_delivery_problem", slots={"handoff": asked}),
    )
    assert "How can we reach you?" in messages[0]["text"]
    draft = slot(events)
    assert draft["draft"] == "my parcel never came"

    messages, events = run(
        ActionTakeMessage(services),
        customer("c1", "jo@example.com", "out_of_scope", slots={"handoff": draft}),
    )
    assert "your message is with our team (reference M-" in messages[0]["text"]
    assert "will reply to jo@example.com within one working day" in messages[0]["text"]
    [left] = services.handoff_queue.listing(Status.MESSAGE_LEFT)
    assert (left.contact, left.message) == (
        "jo@example.com",
        "my parcel never came\njo@example.com",
    )
    assert slot(events)["change"]["action"] == Action.LEAVE_MESSAGE.value


def test_a_waiting_customer_can_leave_a_message_instead(services):
    online(services, "anna")
    run(ActionHandoff(services), customer("c1", "agent", "request_human"))
    waiting = services.handoff_queue.open_for("c1")

    _, events = run(
        ActionLeaveMessage(services), customer("c1", "leave a message", "leave_message")
    )
    run(
        ActionTakeMessage(services),
        customer("c1", "call me on 07700 900123", "out_of_scope", slots={"handoff": slot(events)}),
    )

    left = services.handoff_queue.get(waiting.id)
    assert (left.status, left.contact) == (Status.MESSAGE_LEFT, "07700 900123")
    assert services.handoff_queue.waiting() == []


def test_the_wait_estimate_follows_recent_handling_times(services):
    online(services, "anna")
    queue = services.handoff_queue
    for number in range(3):  # three chats of 4 minutes each
        run(ActionHandoff(services), customer(f"done-{number}", "agent", "request_human"))
        handoff = queue.open_for(f"done-{number}")
        queue.claim(handoff.id, "anna", now=OPEN_TIME)
        queue.end(
            handoff.id,
            Action.CLOSE,
            actor="anna",
            reason="ok",
            now=OPEN_TIME + timedelta(minutes=4),
        )
    run(ActionHandoff(services), customer("c1", "agent", "request_human"))

    messages, _ = run(ActionHandoff(services), customer("c2", "agent", "request_human"))

    assert "The wait is about 4 minutes." in messages[0]["text"]


@pytest.mark.parametrize(
    ("status", "intent", "expected"),
    [
        ("assigned", "greet", "action_listen"),  # the agent answers, not the bot
        ("assigned", "cancel_handoff", "action_listen"),
        ("queued", "ask_returns", "action_handoff_waiting"),
        ("queued", "request_human", "action_handoff_waiting"),
        ("queued", "cancel_handoff", "action_cancel_handoff"),
        ("queued", "leave_message", "action_leave_message"),
        ("taking_message", "ask_returns", "action_take_message"),
        ("taking_message", "cancel_handoff", "action_cancel_handoff"),
        (None, "leave_message", "action_leave_message"),
        (None, "cancel_handoff", "action_cancel_handoff"),
        (None, "ask_returns", None),  # no handoff: the other policies decide
        ("closed", "greet", None),
    ],
)
def test_who_answers_while_a_handoff_is_open(status, intent, expected):
    assert next_action(status, intent) == expected


def test_a_customer_writing_italian_hears_about_the_queue_in_italian(services):
    online(services, "anna")
    italian = {"code": "it", "score": 0.95}
    asked = customer("c1", "Vorrei parlare con una persona", "request_human", language=italian)

    messages, events = run(ActionHandoff(services), asked)

    assert messages[0]["text"].startswith("Certo. Ho chiesto una persona del nostro team: sei il")
    assert buttons(messages[0]) == ["Torna al bot"]
    assert slot(events)["status"] == "queued"
    waiting = customer("c1", "Grazie, aspetto qui", "thank", language=italian)
    messages, _ = run(ActionHandoffWaiting(services), waiting)
    assert messages[0]["text"].startswith("Grazie, il team lo vedrà. Sei il prossimo in coda.")
