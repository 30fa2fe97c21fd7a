"""Why the customer came, as the queue shows it before anyone opens the conversation."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import pytest

from bot.desk.handover_context import handover_context
from bot.errors import HandoffError
from bot.handoff.lifecycle import Action, Status
from bot.handoff.model import Presence
from tests.conftest import OPEN_TIME
from tests.databases import rasa_events_table
from tests.desk_parts import desk_parts, waiting_customer

CALM = {"negative": 0.05, "neutral": 0.9, "positive": 0.05}
UPSET = {"negative": 0.95, "neutral": 0.04, "positive": 0.01}


def said(text: str, intent: str, sentiment=CALM, *, at: float, **metadata: Any) -> dict[str, Any]:
    label = max(sentiment, key=sentiment.get)
    return {
        "event": "user",
        "text": text,
        "timestamp": at,
        "metadata": metadata,
        "parse_data": {
            "intent": {"name": intent, "confidence": 0.9},
            "sentiment": {"label": label, "scores": sentiment},
        },
    }


def answered(article: str, *, at: float) -> list[dict[str, Any]]:
    return [
        {"event": "action", "name": "action_answer_from_knowledge_base", "timestamp": at},
        {"event": "bot", "text": f"(the {article} article)", "timestamp": at, "data": {}},
        {"event": "slot", "name": "last_article", "value": article, "timestamp": at},
    ]


def fell_back(*, at: float) -> list[dict[str, Any]]:
    return [
        {"event": "action", "name": "action_handle_low_confidence", "timestamp": at},
        {"event": "bot", "text": "Sorry, I didn't get that.", "timestamp": at, "data": {}},
    ]


PAGE = {
    "page_url": "https://shop.example/jackets/tarn",
    "page_title": "Tarn jacket",
    "language": "en",
}
ANGRY_CUSTOMER = [
    {"event": "session_started", "timestamp": 0},
    said("hi", "greet", at=1, **PAGE),
    said("how long have I got to send a jacket back if it doesn't fit?", "ask_returns", at=2),
    *answered("returns-how-to", at=3),
    said("that's not what I asked", "not_helpful", UPSET, at=4),
    said("why is this so complicated", "nlu_fallback", UPSET, at=5),
    *fell_back(at=6),
    said("I want my money back, mail me at kim@example.com", "ask_refund", UPSET, at=7, **PAGE),
    said("/request_human", "request_human", UPSET, at=8, button_title="Talk to a person"),
]


def test_the_summary_quotes_the_customer_and_counts_what_failed():
    context = handover_context(ANGRY_CUSTOMER)

    summary = context["summary"]
    assert summary["customer_said"] == [
        "how long have I got to send a jacket back if it doesn't fit?",
        "why is this so complicated",
        "I want my money back, mail me at kim@example.com",
    ]
    assert summary["bot_tried"] == ["answered with returns-how-to", "did not understand 1 message"]
    assert summary["failed"] == ["1 fallback", '"that didn\'t help" after returns-how-to']
    assert summary["sentiment"] == {
        "trend": "getting more upset",
        "first_negative": 0.05,
        "latest_negative": 0.95,
    }
    assert summary["text"].startswith("Customer: “how long have I got")
    assert "Sentiment: getting more upset." in summary["text"]


def test_the_context_has_the_last_message_contact_language_and_page():
    context = handover_context(ANGRY_CUSTOMER)

    assert context["last_message"]["text"] == "Talk to a person"  # what the customer saw
    assert context["contact"] == "kim@example.com"
    assert context["language"] == "en"
    assert context["page"] == {"url": PAGE["page_url"], "title": "Tarn jacket"}


def test_a_file_sent_on_its_own_is_not_what_the_customer_said():
    photo = {"file": "f" * 32, "file_name": "zip.png", "file_type": "image/png", "file_size": 9}
    events = [
        {"event": "session_started", "timestamp": 0},
        said("the zip on my jacket broke", "ask_warranty", at=1),
        said("📎 zip.png", "nlu_fallback", at=2, **photo),
    ]

    context = handover_context(events)

    assert context["summary"]["customer_said"] == ["the zip on my jacket broke"]
    assert context["last_message"]["text"] == "📎 zip.png"  # the queue shows a file came


def test_only_the_current_session_counts_and_odd_pages_are_left_out():
    events = [
        said("my parcel never came, this is a scandal", "ask_order_status", UPSET, at=1),
        {"event": "session_started", "timestamp": 2},
        said("do you ship to Norway?", "ask_shipping", at=3, page_url="javascript:alert(1)"),
    ]

    context = handover_context(events)

    assert context["summary"]["customer_said"] == ["do you ship to Norway?"]
    assert context["summary"]["bot_tried"] == [] and context["summary"]["failed"] == []
    assert context["page"] is None and context["contact"] is None
    assert context["summary"]["sentiment"]["trend"] == "calm"


def test_an_empty_conversation_has_an_empty_context():
    context = handover_context([])

    assert context["last_message"] is None
    assert context["summary"]["customer_said"] == []
    assert context["summary"]["text"] == "Bot: nothing answered."


def test_listings_carry_the_context_and_see_new_messages(settings, tmp_path):
    parts = desk_parts(settings, tmp_path)
    tracker = tmp_path / "tracker.db"
    rasa_events_table(tracker)

    def write(conversation: str, *events: dict[str, Any]) -> None:
        with sqlite3.connect(tracker) as db:
            db.executemany(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
                [(conversation, e["event"], e["timestamp"], json.dumps(e)) for e in events],
            )

    write("c1", *ANGRY_CUSTOMER)
    waiting_customer(parts, "c1", priority="high")
    waiting_customer(parts, "c2")  # nothing written yet

    def listing() -> list[dict[str, Any]]:
        return asyncio.run(parts.desk.listing(Status.QUEUED))

    first = listing()
    write("c1", said("hello? anyone there?", "greet", UPSET, at=9))
    second = listing()

    assert [item["conversation_id"] for item in first] == ["c1", "c2"]
    assert first[0]["summary"]["failed"][0] == "1 fallback"
    assert first[0]["contact"] == "kim@example.com"
    assert first[1]["last_message"] is None and first[1]["summary"]["customer_said"] == []
    assert second[0]["last_message"]["text"] == "hello? anyone there?"  # read again: it changed


def test_a_conversation_shows_its_other_handoffs(settings, tmp_path):
    """The message a customer left earlier is linked to the conversation they came back to."""
    parts = desk_parts(settings, tmp_path)
    queue = parts.desk.queue
    earlier = queue.leave_message(
        "c1",
        channel="socketio",
        reason="asked for a person",
        priority="normal",
        contact="kim@example.com",
        message="please call me about my refund",
        now=OPEN_TIME,
    )
    later = waiting_customer(parts, "c1")
    waiting_customer(parts, "c2")

    detail = asyncio.run(parts.desk.detail(later))

    assert [(h["id"], h["status"], h["message"]) for h in detail["other_handoffs"]] == [
        (earlier.id, "message_left", "please call me about my refund")
    ]


def test_closed_conversations_are_found_by_what_was_said_reference_agent_or_note(
    settings, tmp_path
):
    parts = desk_parts(settings, tmp_path)
    tracker = tmp_path / "tracker.db"
    rasa_events_table(tracker)
    with sqlite3.connect(tracker) as db:
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
            [
                (c, e["event"], e["timestamp"], json.dumps(e))
                for c, e in [
                    ("c1", said("Mein Café-Gutschein 50%_off geht nicht", "ask_voucher", at=1)),
                    ("c2", said("where is my parcel", "ask_order_status", at=2)),
                    ("c2", {"event": "bot", "text": "It left on Monday.", "timestamp": 3}),
                ]
            ],
        )
    queue = parts.desk.queue
    handoffs = {}
    for conversation, agent, note in [("c1", "anna", "voucher re-issued"), ("c2", "ben", "ok")]:
        handoff = queue.request(
            conversation,
            channel="socketio",
            reason="asked",
            priority="normal",
            actor="customer",
            now=OPEN_TIME,
        )
        queue.set_presence(agent, Presence.ONLINE, capacity=3, now=OPEN_TIME)
        queue.claim(handoff.id, agent, now=OPEN_TIME)
        queue.end(handoff.id, Action.CLOSE, actor=f"agent:{agent}", reason=note, now=OPEN_TIME)
        handoffs[conversation] = handoff.id
    waiting_customer(parts, "c3")  # open: not among the closed

    def found(text: str) -> list[str]:
        items = asyncio.run(parts.desk.search(text, [Status.CLOSED]))
        return [item["conversation_id"] for item in items]

    assert found("café-gutschein") == ["c1"]  # customer's words, any case, non-ASCII
    assert found("50%_off") == ["c1"] and found("%") == ["c1"]  # wildcards are literal
    assert found("LEFT ON monday") == ["c2"]  # the bot's words
    assert found(f"m-{handoffs['c2'][-8:]}") == ["c2"]  # the reference given to the customer
    assert found("ben") == ["c2"] and found("re-issued") == ["c1"]
    assert found("parcel_id") == [] and found("ask_order_status") == []  # not internals
    assert found("socketio") == [] and found("timestamp") == []  # nor the stored event's keys
    with pytest.raises(HandoffError):
        found("   ")
