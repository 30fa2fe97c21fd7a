"""A customer's data found, exported and erased across the tracker store, the desk's database,
the review inbox and stored reports (``bot.customer_data``, ``supportbot privacy``), on SQLite
files as ``make run`` keeps them."""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.customer_data import CustomerData
from bot.privacy.log_ids import conversation_ref
from bot.reporting.files import ERASED, write_day
from bot.storage.complaints import SqlComplaints
from bot.storage.followups import SqlFollowUps
from bot.storage.handoffs import SqlHandoffQueue
from bot.storage.privacy import SqlPrivacy
from bot.storage.review import SqlReviewInbox
from tests.databases import migrated_sqlite
from tests.integration.conftest import supportbot
from tests.unit.test_review_labelling import write_tracker

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)
ALICE, BOB, JOSE = "alice-conversation", "bob-conversation", "jose-conversation"


def said(text: str, when: datetime) -> dict:
    return {"event": "user", "timestamp": when.timestamp(), "text": text, "parse_data": {}}


@pytest.fixture
def stores(tmp_path: Path) -> tuple[CustomerData, str, Path]:
    """Alice (400 days ago: an e-mail address, a message left, a complaint, a follow-up, two
    mined messages) and Bob (today), with a stored report naming Alice's conversation."""
    tracker = tmp_path / "tracker.db"
    write_tracker(
        tracker,
        {
            ALICE: [said("my email is Alice.Smith@Example.com, parcel lost", LONG_AGO)],
            BOB: [said("where is my order? jimalice.smith@example.com", NOW)],
            JOSE: [said("Soy José, pedido FH20301", LONG_AGO)],
        },
    )
    desk = migrated_sqlite(tmp_path / "desk.db")
    SqlHandoffQueue(desk).leave_message(
        ALICE, channel="socketio", reason="nobody online", priority="normal",
        contact="alice.smith@example.com", message="please call me", now=LONG_AGO,
    )  # fmt: skip
    complaints = SqlComplaints(desk)
    complaints.open(
        ALICE, channel="socketio", priority="high", reason="complaint", message="lost parcel",
        transcript=[{"from": "customer", "text": "lost parcel"}], first_response_due=None,
        resolution_due=None, now=LONG_AGO,
    )  # fmt: skip
    SqlFollowUps(desk).open(
        ALICE, channel="socketio", reason="low score", score=1, comment="awful",
        stage="bot", agent=None, now=LONG_AGO,
    )  # fmt: skip
    inbox = SqlReviewInbox(desk)
    with inbox.begin() as connection:
        shared = inbox.create_item(connection, review_item("parcel [EMAIL] lost", size=2))
        alone = inbox.create_item(connection, review_item("refund?", size=1))
        inbox.add_messages(
            connection,
            [
                mined(ALICE, shared, "parcel [EMAIL] lost", LONG_AGO),
                mined(BOB, shared, "where is my parcel", NOW),
                mined(ALICE, alone, "refund?", LONG_AGO),
            ],
        )
    reports = tmp_path / "reports"
    late = {"reference": "C-00001", "conversation_id": ALICE, "status": "open"}
    write_day({"date": "2025-11-01", "late_complaints": [late]}, reports, company="Shop")
    data = CustomerData(
        store=SqlPrivacy(desk, f"sqlite:///{tracker}"),
        reports_dir=reports,
        company=lambda: "Shop",
        retention_days=lambda: 365,
    )
    return data, desk, tracker


def review_item(text: str, *, size: int) -> dict:
    return {
        "text": text, "size": size, "conversations": size, "asked_for_person": 0, "score": 1.0,
        "last_seen": NOW, "signals": "{}", "suggestion": "{}",
    }  # fmt: skip


def mined(conversation: str, item: int, text: str, when: datetime) -> dict:
    return {
        "key": f"{conversation}:{item}", "item_id": item, "conversation_id": conversation,
        "sent_at": when, "text": text, "confidence": 0.2, "signals": "[]",
        "asked_for_person": False,
    }  # fmt: skip


def rows(database: str | Path, table: str, conversation: str) -> int:
    path = str(database).removeprefix("sqlite:///")
    column = "sender_id" if table == "events" else "conversation_id"
    with sqlite3.connect(path) as db:
        query = f"SELECT COUNT(*) FROM {table} WHERE {column} = ?"
        return int(db.execute(query, (conversation,)).fetchone()[0])


DESK_TABLES = ("handoffs", "complaints", "followups", "review_messages")


def test_a_customer_is_found_by_their_whole_address_in_any_case(stores):
    data, _, _ = stores

    found = data.find(conversations=[], mentioning=["ALICE.SMITH@example.COM"])

    assert list(found) == [ALICE]  # not Bob, whose message holds jimalice.smith@example.com
    assert "Alice.Smith@Example.com" in found[ALICE]
    assert list(data.find(conversations=[BOB], mentioning=["nobody@example.com"])) == [BOB]
    assert list(data.find(conversations=[], mentioning=["josé"])) == [JOSE]  # stored as jos\u00e9
    assert list(data.find(conversations=[], mentioning=["fh20301"])) == [JOSE]


def test_the_export_holds_everything_stored_about_the_conversation(stores):
    data, _, _ = stores

    [export] = data.export([ALICE])["conversations"]

    assert export["events"][0]["text"].startswith("my email is")
    assert export["handoffs"][0]["contact"] == "alice.smith@example.com"
    assert export["handoff_history"] and export["complaints"][0]["message"] == "lost parcel"
    assert export["followups"][0]["comment"] == "awful"
    assert sorted(m["text"] for m in export["review_messages"]) == [
        "parcel [EMAIL] lost",
        "refund?",
    ]
    json.dumps(export)  # JSON-ready


def test_forgetting_erases_the_conversation_everywhere_and_nobody_else(stores):
    data, desk, tracker = stores

    [erased] = data.forget([ALICE]).values()

    assert erased["events"] == 1 and erased["handoffs"] == 1 and erased["report_days"] == 1
    for table in DESK_TABLES:
        assert rows(desk, table, ALICE) == 0, table
    assert rows(tracker, "events", ALICE) == 0
    assert rows(tracker, "events", BOB) == 1 and rows(desk, "review_messages", BOB) == 1
    with sqlite3.connect(desk.removeprefix("sqlite:///")) as db:
        items = db.execute("SELECT text, size, conversations FROM review_items").fetchall()
        assert db.execute("SELECT COUNT(*) FROM handoff_events").fetchone()[0] == 0
    # The group only Alice was in went; the shared one shows Bob's words now.
    assert items == [("where is my parcel", 1, 1)]
    for path in data.reports_dir.iterdir():
        assert ALICE not in path.read_text(), path.name
    report = json.loads((data.reports_dir / "2025-11-01.json").read_text())
    assert report["late_complaints"][0]["conversation_id"] == ERASED
    assert data.forget([ALICE])[ALICE]["events"] == 0  # again: nothing left, no error


def test_the_purge_erases_idle_conversations_but_not_open_work(stores):
    data, desk, tracker = stores

    assert data.purge_due(NOW) == [JOSE]  # Alice's complaint and follow-up are still open
    assert rows(tracker, "events", ALICE) == 1

    SqlComplaints(desk).resolve("C-00001", by="lead", note="refunded", now=NOW - timedelta(days=2))
    followups = SqlFollowUps(desk)
    [followup] = followups.listing()
    assert data.purge(NOW - timedelta(days=365)) == []  # the follow-up is still open
    followups.close(followup.id, by="lead", note="called back", now=NOW - timedelta(days=2))
    assert data.purge_due(NOW) == []  # once a day
    # Resolved two days ago: the team touched it within the year, so it is kept ...
    assert data.purge_due(NOW + timedelta(days=1)) == []
    # ... until a year after that.
    assert data.purge_due(NOW + timedelta(days=364)) == [ALICE]
    assert rows(tracker, "events", ALICE) == 0 and rows(tracker, "events", BOB) == 1


def test_the_command_lists_first_and_erases_only_when_told(stores, tmp_path):
    _, desk, tracker = stores
    exported_file = tmp_path / "alice.json"
    env = {**os.environ, "SUPPORTBOT_DATA_DIR": str(tmp_path)}

    listed = supportbot("privacy", "forget", "--email", "alice.smith@example.com", env=env)
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert listed.stdout.split() == [ALICE] and "nothing erased" in listed.stderr
    assert "Alice.Smith@Example.com" in listed.stderr  # where it was found, to check first
    assert rows(tracker, "events", ALICE) == 1

    exported = supportbot(
        "privacy", "export", "--conversation", ALICE, "--output", str(exported_file), env=env
    )
    assert exported.returncode == 0, exported.stderr[-2000:]
    assert json.loads(exported_file.read_text())["conversations"][0]["conversation_id"] == ALICE
    assert exported_file.stat().st_mode & 0o077 == 0
    again = supportbot(
        "privacy", "export", "--conversation", ALICE, "--output", str(exported_file), env=env
    )
    assert again.returncode == 2 and "exists" in again.stderr  # never overwritten

    erased = supportbot("privacy", "forget", "--email", "alice.smith@example.com", "--yes", env=env)
    assert erased.returncode == 0, erased.stderr[-2000:]
    assert json.loads(erased.stdout.splitlines()[-1])["erased"][ALICE]["events"] == 1
    assert rows(tracker, "events", ALICE) == 0 and rows(desk, "handoffs", ALICE) == 0

    audit = supportbot("audit", "--limit", "5", env=env)
    assert audit.returncode == 0, audit.stderr[-2000:]
    lines = [line.split("\t") for line in audit.stdout.splitlines()]
    assert [(line[3], line[4]) for line in lines] == [
        ("forget", f"conversation {conversation_ref(ALICE)}"),
        ("export", f"conversation {conversation_ref(ALICE)}"),
    ]
    assert all(line[2] == f"cli:{getpass.getuser()}" for line in lines)

    vague = supportbot("privacy", "forget", "--mentioning", "a", env=env)
    assert vague.returncode == 2 and "at least 5 characters" in vague.stderr
