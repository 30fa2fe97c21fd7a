"""``supportbot report --date YYYY-MM-DD --format json`` as design.md specifies it."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import timedelta

from bot.handoff.model import Presence
from bot.storage.handoffs import SqlHandoffQueue
from tests.databases import migrated_sqlite
from tests.integration.conftest import supportbot
from tests.unit.test_daily_report import T, day_of_conversations
from tests.unit.test_review_labelling import write_tracker

CONTRACT = [
    "conversations",
    "contained_rate",
    "handoff_rate",
    "handoff_reasons",
    "wait_p50_s",
    "wait_p90_s",
    "abandoned_rate",
    "first_agent_response_p50_s",
    "csat_avg",
    "csat_satisfied_rate",
    "csat_response_rate",
    "estimated_satisfaction",
    "complaints",
    "complaints_sla_breached",
    "top_unanswered",
]


def test_the_report_has_the_contracts_fields_from_the_stores(tmp_path):
    by_sender: dict[str, list[dict]] = {}
    for _, sender, event in day_of_conversations():
        by_sender.setdefault(sender, []).append(event)
    write_tracker(tmp_path / "tracker.db", by_sender)
    queue = SqlHandoffQueue(migrated_sqlite(tmp_path / "desk.db"))
    handoff = queue.request(
        "handed", channel="socketio", reason="asked for a person", priority="normal",
        actor="customer", now=T + timedelta(minutes=2),
    )  # fmt: skip
    queue.set_presence("anna", Presence.ONLINE, capacity=3, now=T)
    queue.claim(handoff.id, "anna", now=T + timedelta(minutes=4))
    env = {**os.environ, "SUPPORTBOT_DATA_DIR": str(tmp_path)}

    result = supportbot("report", "--date", "2026-11-24", "--format", "json", env=env)

    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(CONTRACT) <= set(report)
    assert report["conversations"] == 4
    assert report["handoff_reasons"] == {"asked for a person": 1}
    assert report["wait_p50_s"] == 120.0 and report["first_agent_response_p50_s"] == 30.0
    # The unclear message, and the refund question whose answer "didn't help".
    assert sorted(t["text"] for t in report["top_unanswered"]) == ["hello", "qwxz"]

    table = supportbot("report", "--date", "2026-11-24", "--format", "csv", env=env)
    header, values = list(csv.reader(io.StringIO(table.stdout)))
    assert header[:2] == ["date", "conversations"] and values[1] == "4"

    page = supportbot("report", "--date", "2026-11-24", "--format", "html", env=env).stdout
    assert "support report for 2026-11-24" in page and "data:image/png;base64," in page
    assert "<td>qwxz</td>" in page and "not measured" in page  # CSAT: no survey yet
    assert "<script" not in page and "http" not in page.split("<body>")[1]  # nothing fetched

    wrong = supportbot("report", "--date", "24/11/2026", env=env)
    assert wrong.returncode == 2 and "YYYY-MM-DD" in wrong.stderr
