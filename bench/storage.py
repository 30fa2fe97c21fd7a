"""The storage layer on SQLite and PostgreSQL, measured in the same run.

1. Queue operations with 200 customers waiting and 20 agents online (``bench.handoff``'s):
   request, the ordered queue, one position, a wait estimate, claim, automatic assignment,
   close; p50/p95 on each database.
2. ``supportbot report`` for one day of 10,000 generated conversations (``bench.reporting``'s
   generator: the tracker store and the desk database on the same backend), median of 3.
3. Upgrading a desk.db written before migrations existed (the schema of
   ``tests/fixtures/desk-b0f2ae9.db``) that holds 300,000 conversations' handoffs (with three
   history rows each and 10,000 complaints): seconds, and every row still there.

PostgreSQL: ``SUPPORTBOT_BENCH_POSTGRES_URL`` (a role that may create databases), or else
``scripts/ensure-postgres.sh`` is run to install/start one. Fresh databases are created and
dropped. Run: ``.venv/bin/python -m bench.storage`` → ``bench/results/storage.json``.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import PROJECT, write_result
from bench.handoff import queue_operations
from bench.reporting import SEED, ZONE, generate
from bot.privacy.redactor import Redactor
from bot.reporting.report import daily_report
from bot.services import Services
from bot.settings import Settings
from bot.storage import migrate
from bot.storage.engines import dispose

FIRST_WAVE_DESK = PROJECT / "tests" / "fixtures" / "desk-b0f2ae9.db"
UPGRADE_HANDOFFS = 300_000
REPORT_CONVERSATIONS = 10_000


def postgres_admin() -> str:
    url = os.environ.get("SUPPORTBOT_BENCH_POSTGRES_URL", "").strip()
    if url:
        return url
    script = PROJECT / "scripts" / "ensure-postgres.sh"
    return subprocess.run([str(script)], capture_output=True, text=True, check=True).stdout.strip()


@contextmanager
def postgres_database(admin: str) -> Iterator[str]:
    name = f"bench_{secrets.token_hex(4)}"
    maintenance = sa.create_engine(admin, isolation_level="AUTOCOMMIT", future=True)
    with maintenance.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        dispose(url)
        with maintenance.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.dispose()


def report_seconds(tracker_url: str, desk_url: str, root: Path) -> dict[str, Any]:
    day = datetime.now(ZONE).date() - timedelta(days=1)
    counts = generate(tracker_url, desk_url, 1, REPORT_CONVERSATIONS, day, random.Random(SEED))
    settings = Settings.create(
        home=PROJECT, data_dir=root, database_url=desk_url, tracker_url=tracker_url
    )
    stores = Services(settings).report_stores()
    redactor = Redactor("FH[0-9]{4,8}")
    seconds, conversations = [], 0
    for _ in range(3):
        began = time.perf_counter()
        report = daily_report(
            stores, day, timezone=str(ZONE), redactor=redactor, now=datetime.now(UTC)
        )
        seconds.append(time.perf_counter() - began)
        conversations = report["conversations"]
    return {
        "data": counts,
        "report_conversations": conversations,
        "report_seconds_median": round(statistics.median(seconds), 2),
        "report_seconds": [round(s, 2) for s in seconds],
    }


def first_wave_desk(path: Path, handoffs: int) -> dict[str, int]:
    """The fixture's first-wave desk.db, grown to ``handoffs`` handoffs (seeded)."""
    shutil.copyfile(FIRST_WAVE_DESK, path)
    rng = random.Random(SEED)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    db = sqlite3.connect(path)
    with db:
        for batch in range(0, handoffs, 10_000):
            rows, events, complaints = [], [], []
            for number in range(batch, min(handoffs, batch + 10_000)):
                at = start + timedelta(seconds=number * 50)
                when = at.strftime("%Y-%m-%d %H:%M:%S.%f")
                ended = (at + timedelta(minutes=9)).strftime("%Y-%m-%d %H:%M:%S.%f")
                handoff = f"legacy-{number:08d}"
                agent = f"agent-{rng.randrange(20)}"
                rows.append(
                    (handoff, f"conv-{number}", "socketio", "closed", "normal", 1,
                     "asked for a person", when, when, agent, when, ended, "done")
                )  # fmt: skip
                events += [
                    (handoff, "request", None, "queued", "customer", "asked", when),
                    (handoff, "claim", "queued", "assigned", f"agent:{agent}", "to", when),
                    (handoff, "close", "assigned", "closed", f"agent:{agent}", "done", ended),
                ]
                if number % 30 == 0:
                    complaints.append((f"conv-{number}", "socketio", "high", "complaint",
                                       "late", "[]", when, "resolved"))  # fmt: skip
            db.executemany(
                "INSERT INTO handoffs (id, conversation_id, channel, status, priority, "
                "priority_rank, reason, requested_at, waiting_since, agent, assigned_at, "
                "ended_at, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            db.executemany(
                "INSERT INTO handoff_events (handoff_id, action, from_status, to_status, "
                "actor, reason, at) VALUES (?,?,?,?,?,?,?)",
                events,
            )
            db.executemany(
                "INSERT INTO complaints (conversation_id, channel, priority, reason, message, "
                "transcript, opened_at, status) VALUES (?,?,?,?,?,?,?,?)",
                complaints,
            )
    counts = {
        table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in ("handoffs", "handoff_events", "complaints", "agents")
    }
    db.close()
    return counts


def upgrade_first_wave(root: Path) -> dict[str, Any]:
    path = root / "legacy-desk.db"
    before = first_wave_desk(path, UPGRADE_HANDOFFS)
    url = f"sqlite:///{path}"
    size = path.stat().st_size
    began = time.perf_counter()
    revisions = migrate.upgrade(url)
    seconds = time.perf_counter() - began
    db = sqlite3.connect(path)
    after = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in before}
    db.close()
    dispose(url)
    return {
        "rows_before": before,
        "rows_after": after,
        "nothing_lost": before == after,
        "database_mb": round(size / 1e6, 1),
        "revisions": list(revisions),
        "upgrade_seconds": round(seconds, 2),
    }


def main() -> None:
    admin = postgres_admin()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        print("queue operations ...", flush=True)
        results["queue_sqlite"] = queue_operations(f"sqlite:///{root / 'queue.db'}")
        with postgres_database(admin) as url:
            results["queue_postgresql"] = queue_operations(url)
        print("daily report ...", flush=True)
        results["report_sqlite"] = report_seconds(
            f"sqlite:///{root / 'tracker.db'}", f"sqlite:///{root / 'desk.db'}", root
        )
        with postgres_database(admin) as tracker, postgres_database(admin) as desk:
            results["report_postgresql"] = report_seconds(tracker, desk, root)
        print("upgrading a first-wave desk ...", flush=True)
        results["upgrade_first_wave_sqlite"] = upgrade_first_wave(root)
    version = sa.create_engine(admin, future=True)
    with version.connect() as connection:
        postgres = connection.exec_driver_sql("SHOW server_version").scalar()
    version.dispose()
    write_result(
        "storage",
        {
            "what": "queue operations, one day's report and a first-wave desk upgrade, SQLite "
            "and PostgreSQL on the same machine (PostgreSQL on 127.0.0.1, default settings)",
            "postgresql_version": postgres,
            "sqlite_version": sqlite3.sqlite_version,
            **results,
        },
    )


if __name__ == "__main__":
    main()
