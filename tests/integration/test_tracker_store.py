"""Our tracker store: each save's new events published once, after storing them (the cluster);
recent conversations kept in memory, but never in place of what the database holds."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server import tracker_store
from bot.rasa_server.tracker_store import CachingSQLTrackerStore, StreamingSQLTrackerStore


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


def _conversation(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, slots=[])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("where is my parcel?"))
    return tracker


def _texts(tracker: DialogueStateTracker | None) -> list[str | None]:
    assert tracker is not None
    return [getattr(event, "text", None) for event in tracker.events]


def test_a_saved_conversation_is_kept_for_its_next_message(tmp_path):
    store = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    tracker = _conversation("k1")
    asyncio.run(store.save(tracker))

    again = asyncio.run(store.retrieve("k1"))

    assert again is tracker  # not read back and replayed
    assert _texts(again) == _texts(asyncio.run(SQLTrackerStore(
        Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db")
    ).retrieve("k1")))  # fmt: skip


def test_another_server_writing_to_the_conversation_is_seen(tmp_path):
    database = str(tmp_path / "t.db")
    ours = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=database)
    other = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=database)
    tracker = _conversation("k2")
    asyncio.run(ours.save(tracker))
    elsewhere = asyncio.run(other.retrieve("k2"))
    assert elsewhere is not None
    elsewhere.update(BotUttered("It is on its way."))
    asyncio.run(other.save(elsewhere))

    again = asyncio.run(ours.retrieve("k2"))

    assert again is not tracker
    assert _texts(again) == [None, "where is my parcel?", "It is on its way."]


def test_events_added_but_never_saved_are_not_served(tmp_path):
    """A message whose handling failed before the save must not leave its events behind."""
    store = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    tracker = _conversation("k3")
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("this never got stored"))

    again = asyncio.run(store.retrieve("k3"))

    assert _texts(again) == [None, "where is my parcel?"]


def test_an_erased_conversation_is_gone(tmp_path):
    database = tmp_path / "t.db"
    store = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(database))
    asyncio.run(store.save(_conversation("k4")))
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM events WHERE sender_id = 'k4'")

    assert asyncio.run(store.retrieve("k4")) is None


def test_a_conversation_of_two_sessions_is_read_as_rasa_reads_it(tmp_path):
    """Rasa's store gives back the latest session only: so does ours."""
    store = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    tracker = DialogueStateTracker("k5", slots=[])
    tracker.update(SessionStarted(timestamp=1.0))
    tracker.update(UserUttered("first visit", timestamp=2.0))
    tracker.update(SessionStarted(timestamp=3.0))
    tracker.update(UserUttered("second visit", timestamp=4.0))
    asyncio.run(store.save(tracker))

    again = asyncio.run(store.retrieve("k5"))

    assert again is not tracker
    assert _texts(again) == [None, "second visit"]


def test_a_new_domain_reads_the_conversation_again(tmp_path):
    store = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    tracker = _conversation("k6")
    asyncio.run(store.save(tracker))
    store.domain = Domain.empty()  # a retrained model was loaded

    assert asyncio.run(store.retrieve("k6")) is not tracker


def test_only_the_most_recent_conversations_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(tracker_store, "KEPT_CONVERSATIONS", 2)
    store = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    trackers = {sender: _conversation(sender) for sender in ("a", "b", "c")}
    for tracker in trackers.values():
        asyncio.run(store.save(tracker))

    assert asyncio.run(store.retrieve("a")) is not trackers["a"]  # dropped, read again
    assert asyncio.run(store.retrieve("c")) is trackers["c"]


def test_the_latest_session_of_a_long_conversation_is_kept_once_read(tmp_path):
    store = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    earlier = DialogueStateTracker("k7", slots=[])
    for event in (
        SessionStarted(timestamp=1.0),
        UserUttered("first visit", timestamp=2.0),
        SessionStarted(timestamp=3.0),
    ):
        earlier.update(event)
    asyncio.run(store.save(earlier))
    tracker = asyncio.run(store.retrieve("k7"))
    assert tracker is not None
    tracker.update(UserUttered("second visit", timestamp=4.0))
    asyncio.run(store.save(tracker))

    again = asyncio.run(store.retrieve("k7"))

    assert again is tracker
    assert _texts(again) == [None, "second visit"]


def test_a_kept_conversation_is_saved_without_counting_and_stores_as_rasa(tmp_path, monkeypatch):
    """Saving the tracker it served, the store knows how many events are stored: the rows are
    still exactly Rasa's, message after message."""
    ours = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "ours.db"))
    rasa = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "rasa.db"))
    tracker = _conversation("k8")
    asyncio.run(ours.save(tracker))
    asyncio.run(rasa.save(tracker))
    counted = []
    monkeypatch.setattr(
        StreamingSQLTrackerStore,
        "_stored_count",
        lambda self, session, tracker: counted.append(tracker.sender_id) or 0,
    )
    for turn in range(3):
        served = asyncio.run(ours.retrieve("k8"))
        assert served is tracker
        tracker.update(UserUttered(f"question {turn}"))
        tracker.update(BotUttered(f"answer {turn}"))
        asyncio.run(ours.save(tracker))
        asyncio.run(SQLTrackerStore.save(rasa, tracker))

    assert counted == []  # never asked the database how many it holds
    assert asyncio.run(ours.retrieve("k8")) is tracker  # what it knew the database holds, it does
    columns = "sender_id, type_name, intent_name, action_name, data"
    with sqlite3.connect(tmp_path / "ours.db") as a, sqlite3.connect(tmp_path / "rasa.db") as b:
        query = f"SELECT {columns} FROM events ORDER BY id"
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def test_a_new_session_in_a_kept_conversation_is_counted(tmp_path):
    store = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    tracker = DialogueStateTracker("k9", slots=[])
    tracker.update(SessionStarted(timestamp=1.0))
    tracker.update(UserUttered("first visit", timestamp=2.0))
    asyncio.run(store.save(tracker))
    assert asyncio.run(store.retrieve("k9")) is tracker
    tracker.update(SessionStarted(timestamp=3.0))
    tracker.update(UserUttered("second visit", timestamp=4.0))
    asyncio.run(store.save(tracker))

    again = asyncio.run(store.retrieve("k9"))

    assert again is not tracker  # two sessions: read back as Rasa does
    assert _texts(again) == [None, "second visit"]
    with sqlite3.connect(tmp_path / "t.db") as db:
        assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 4


def test_counts_are_the_databases_own(tmp_path):
    store = CachingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    tracker = DialogueStateTracker("k10", slots=[])
    for event in (
        SessionStarted(timestamp=1.0),
        UserUttered("first visit", timestamp=2.0),
        SessionStarted(timestamp=3.0),
        UserUttered("second visit", timestamp=4.0),
        BotUttered("welcome back", timestamp=5.0),
    ):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    with store.session_scope() as session:
        for all_sessions in (True, False):
            query = store._event_query(session, "k10", all_sessions)
            assert tracker_store.count_of(query) == query.count() == (5 if all_sessions else 3)
