"""The desk feed shows agents a conversation's new events once each: read from the tracker
store every tick, or in a cluster only for the conversations Rasa's event broker names."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import pytest

from bot.desk import feed as feed_module
from bot.desk.feed import DeskFeed
from tests.databases import rasa_events_table
from tests.desk_parts import desk_parts, waiting_customer


class FakeStream:
    """What the feed reads of an ``EventStream``."""

    def __init__(self) -> None:
        self.connected = True
        self.connections = 1


@pytest.fixture
def parts(settings, tmp_path):
    return desk_parts(settings, tmp_path)


@pytest.fixture
def tracker(tmp_path):
    path = tmp_path / "tracker.db"
    rasa_events_table(path)
    return path


def say(tracker, conversation: str, text: str) -> None:
    event = {"event": "user", "text": text, "timestamp": 1.0, "parse_data": {}}
    with sqlite3.connect(tracker) as db:
        db.execute(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?,?,?,?)",
            (conversation, "user", 1.0, json.dumps(event)),
        )


def watching(feed: DeskFeed) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = []

    async def send(text: str) -> None:
        shown.append(json.loads(text))

    feed.subscribe("anna", send)
    return shown


def texts(shown: list[dict[str, Any]]) -> list[str]:
    return [m["entry"]["text"] for m in shown if m["type"] == "event"]


def test_new_events_of_open_conversations_are_shown_once(parts, tracker):
    say(tracker, "c1", "before the handoff")
    feed = DeskFeed(parts.desk)
    shown = watching(feed)

    async def script():
        await feed.start()
        waiting_customer(parts, "c1")
        await feed.tick()
        say(tracker, "c1", "anyone there?")
        say(tracker, "bot-only", "what are your hours?")  # not with the team
        await feed.tick()
        await feed.tick()

    asyncio.run(script())
    assert texts(shown) == ["anyone there?"]


def test_with_the_broker_only_named_conversations_are_read(parts, tracker):
    feed = DeskFeed(parts.desk)
    stream = FakeStream()
    feed.stream = stream  # type: ignore[assignment]
    shown = watching(feed)
    waiting_customer(parts, "c1")
    waiting_customer(parts, "c2")

    async def script():
        await feed.start()
        await feed.tick()  # the first read after connecting covers every open conversation
        say(tracker, "c1", "one")
        say(tracker, "c2", "two")
        await feed.tick()
        quiet = texts(shown)  # nobody named them: the tracker store was not read
        feed._broker_named("c2")
        feed._broker_named("bot-only")  # not open: ignored
        await feed.tick()
        after_c2 = texts(shown)
        stream.connected = False  # the broker went away: every open conversation is read
        say(tracker, "c2", "three")
        await feed.tick()
        stream.connected, stream.connections = True, 2  # back: one more full read
        say(tracker, "c1", "four")
        await feed.tick()
        say(tracker, "c1", "five")
        await feed.tick()  # nothing named since
        return quiet, after_c2

    quiet, after_c2 = asyncio.run(script())
    assert quiet == []
    assert after_c2 == ["two"]
    assert texts(shown) == ["two", "one", "three", "four"]
    assert "bot-only" not in feed._named


def test_a_quiet_conversation_never_holds_a_busy_one_back(parts, tracker, monkeypatch):
    monkeypatch.setattr(feed_module, "FOLLOW_LIMIT", 5)
    feed = DeskFeed(parts.desk)
    shown = watching(feed)
    waiting_customer(parts, "quiet")
    waiting_customer(parts, "busy")

    async def script():
        await feed.start()
        await feed.tick()
        for tick in range(4):  # more rows than one read takes, every tick
            for n in range(7):
                say(tracker, "busy", f"busy {tick}.{n}")
            await feed.tick()
            await feed.tick()
        say(tracker, "quiet", "still here")
        say(tracker, "busy", "last")
        await feed.tick()
        await feed.tick()

    asyncio.run(script())
    busy = [t for t in texts(shown) if t.startswith("busy")]
    assert busy == [f"busy {tick}.{n}" for tick in range(4) for n in range(7)]
    assert texts(shown)[-2:] == ["still here", "last"]


def test_a_name_heard_during_a_slow_tick_is_read_later(parts, tracker):
    feed = DeskFeed(parts.desk)
    feed.stream = FakeStream()  # type: ignore[assignment]
    shown = watching(feed)
    waiting_customer(parts, "c1")

    async def script():
        await feed.start()
        await feed.tick()
        say(tracker, "c1", "hello?")
        feed._broker_named("c1")
        await asyncio.sleep(2.5)  # a tick that took long: the name is kept until it is read
        await feed.tick()

    asyncio.run(script())
    assert texts(shown) == ["hello?"]
