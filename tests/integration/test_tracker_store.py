"""The cluster's tracker store publishes each save's new events once, after storing them."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.tracker_store import StreamingSQLTrackerStore


class RecordingBroker(EventBroker):
    """Notes each published event with how many events the database held at that moment."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.published: list[tuple[dict[str, Any], int]] = []

    def publish(self, event: dict[str, Any]) -> None:
        with sqlite3.connect(self.database) as db:
            stored = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        self.published.append((event, stored))


def test_each_new_event_is_published_once_after_it_is_stored(tmp_path):
    database = tmp_path / "tracker.db"
    broker = RecordingBroker(database)
    store = StreamingSQLTrackerStore(
        Domain.empty(), dialect="sqlite", db=str(database), event_broker=broker
    )
    tracker = DialogueStateTracker("c1", slots=[])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("where is my parcel?"))

    async def script() -> None:
        await store.save(tracker)
        tracker.update(BotUttered("It is on its way."))
        await store.save(tracker)
        await store.save(tracker)  # nothing new

    asyncio.run(script())
    published = [(event["event"], event["sender_id"], stored) for event, stored in broker.published]
    assert published == [
        ("action", "c1", 2),
        ("user", "c1", 2),
        ("bot", "c1", 3),
    ]
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 3


def test_without_a_broker_it_stores_as_rasas_own(tmp_path):
    database = tmp_path / "tracker.db"
    store = StreamingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(database))
    tracker = DialogueStateTracker("c2", slots=[])
    tracker.update(UserUttered("hi"))
    asyncio.run(store.save(tracker))
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT sender_id FROM events").fetchall() == [("c2",)]


def test_it_stores_the_same_rows_as_rasas_own_store(tmp_path):
    """The publishing save writes its rows itself (one count of the stored events, not two):
    they must be exactly what Rasa's store writes, which Rasa and the desk read back."""
    rows = {}
    for name, store_type, broker in (
        ("ours", StreamingSQLTrackerStore, RecordingBroker(tmp_path / "ours.db")),
        ("rasa", SQLTrackerStore, None),
    ):
        database = tmp_path / f"{name}.db"
        store = store_type(Domain.empty(), dialect="sqlite", db=str(database), event_broker=broker)
        tracker = DialogueStateTracker("c3", slots=[])
        tracker.update(ActionExecuted("action_listen", timestamp=1.0))
        parse = {"intent": {"name": "track_order", "confidence": 0.9}, "entities": []}
        tracker.update(UserUttered("where is it?", parse_data=parse, timestamp=2.0))
        asyncio.run(store.save(tracker))
        tracker.update(BotUttered("On its way.", timestamp=3.0))
        asyncio.run(store.save(tracker))
        with sqlite3.connect(database) as db:
            rows[name] = db.execute(
                "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data"
                " FROM events ORDER BY id"
            ).fetchall()
    assert len(rows["ours"]) == 3
    assert rows["ours"] == rows["rasa"]
