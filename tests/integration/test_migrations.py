"""The schema's history: the migrations make exactly ``bot.storage.schema``'s tables on SQLite
and PostgreSQL, a desk.db written before migrations existed is upgraded in place with every
row kept, and upgrading is safe to repeat and to run from several processes at once."""

from __future__ import annotations

import json
import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.handoff.lifecycle import Status
from bot.storage import migrate
from bot.storage.accounts import SqlAccounts
from bot.storage.complaints import SqlComplaints
from bot.storage.engines import dispose, engine_for
from bot.storage.followups import SqlFollowUps
from bot.storage.handoffs import SqlHandoffQueue
from bot.storage.review import SqlReviewInbox
from bot.storage.schema import metadata
from tests.conftest import PROJECT
from tests.databases import fresh_postgres
from tests.integration.conftest import supportbot

#: Written by main at b0f2ae9, the last commit before migrations (tests/fixtures/).
FIRST_WAVE_DESK = PROJECT / "tests" / "fixtures" / "desk-b0f2ae9.db"


def differences(url: str) -> list[object]:
    """What Alembic's autogenerate would change to make the database match the schema."""
    with engine_for(url).connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))


def row_counts(url: str) -> dict[str, int]:
    with engine_for(url).connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return {
            n: connection.execute(sa.text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one()
            for n in names
            if n != "alembic_version"
        }


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'desk.db'}"
        yield url
        dispose(url)
        return
    with fresh_postgres("migrations", migrated=False) as url:
        yield url


def test_the_migrations_make_exactly_the_declared_schema(empty_database):
    assert migrate.current(empty_database) is None

    before, after = migrate.upgrade(empty_database)

    assert (before, after) == (None, migrate.head())
    assert differences(empty_database) == []
    assert set(row_counts(empty_database)) == set(metadata.tables)


def test_upgrading_again_changes_nothing(empty_database):
    migrate.upgrade(empty_database)
    SqlAccounts(empty_database).add("anna", "a long password", "agent", now=datetime.now(UTC))

    assert migrate.upgrade(empty_database) == (migrate.head(), migrate.head())
    assert row_counts(empty_database)["agents"] == 1


def test_processes_upgrading_at_once_all_succeed(empty_database):
    """Several servers starting together each upgrade: one does it, the others wait and find
    nothing left to do."""
    errors: list[BaseException] = []

    def upgrade() -> None:
        try:
            migrate.upgrade(empty_database)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=upgrade) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert migrate.current(empty_database) == migrate.head()
    assert differences(empty_database) == []


def test_a_first_wave_desk_is_upgraded_in_place_with_nothing_lost(tmp_path):
    path = tmp_path / "desk.db"
    shutil.copyfile(FIRST_WAVE_DESK, path)
    url = f"sqlite:///{path}"
    counts = row_counts(url)
    assert migrate.current(url) is None and counts["handoffs"] == 4

    migrate.upgrade(url)

    assert migrate.current(url) == migrate.head()
    assert differences(url) == []
    after = row_counts(url)
    assert {name: after[name] for name in counts} == counts
    # What the desk showed before, it shows after: through today's repositories.
    queue = SqlHandoffQueue(url)
    assert [h.conversation_id for h in queue.waiting()] == ["conv-3"]
    (assigned,) = queue.listing(Status.ASSIGNED)
    assert (assigned.conversation_id, assigned.agent, assigned.priority) == (
        "conv-2",
        "alice",
        "high",
    )
    closed = queue.listing(Status.CLOSED)
    assert [(h.conversation_id, h.note) for h in closed] == [("conv-1", "refund issued")]
    assert [t.action.value for t in queue.history(closed[0].id)] == ["request", "claim", "close"]
    (left,) = queue.listing(Status.MESSAGE_LEFT)
    assert (left.contact, left.message) == ("c@example.org", "call me")
    accounts = SqlAccounts(url)
    assert {(a.name, a.role.value) for a in accounts.all()} == {
        ("admin", "admin"),
        ("alice", "agent"),
        ("lena", "lead"),
    }
    session = accounts.sign_in("alice", "alice-password-1", now=datetime(2026, 11, 30, tzinfo=UTC))
    assert session.agent.name == "alice"
    complaint = SqlComplaints(url).get("C-00001")
    assert complaint.message == "My order is late, again — ünïcödé ✓"
    assert (complaint.status, complaint.first_response_by) == ("responded", "alice")
    (followup,) = SqlFollowUps(url).listing()
    assert (followup.score, followup.comment, followup.agent) == (2, "slow", "alice")
    inbox = SqlReviewInbox(url)
    (item,) = inbox.items()
    assert inbox.item(item.id).size == 2 and len(inbox.item(item.id).messages) == 2
    # Mined before answers were recorded (0007): no article, no wrong answers.
    assert [m.answered_article for m in inbox.item(item.id).messages] == [None, None]
    assert inbox.item(item.id).wrong_answers == {}
    assert inbox.last_row() == 12
    assert json.loads(json.dumps(inbox.audit()[0]["detail"])) == {"n": 2}


def test_a_desk_made_before_a_column_existed_gets_the_column(tmp_path):
    """create_all never added columns to an existing table: a desk.db whose follow-ups table
    predates ``notified_at`` gets it from the upgrade, its rows kept."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    with engine_for(url).begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE followups (id VARCHAR(36) NOT NULL PRIMARY KEY, "
            "conversation_id VARCHAR(255) NOT NULL, channel VARCHAR(64) NOT NULL, "
            "opened_at DATETIME NOT NULL, reason TEXT "
            "NOT NULL, score INTEGER, comment TEXT, stage VARCHAR(16) NOT NULL, agent "
            "VARCHAR(255), status VARCHAR(16) NOT NULL, closed_by VARCHAR(255), closed_at "
            "DATETIME, note TEXT)"
        )
        connection.exec_driver_sql(
            "INSERT INTO followups VALUES ('f1', 'c1', 'slack', '2026-11-30 09:00:00', 'low', "
            "1, NULL, 'bot', NULL, 'open', NULL, NULL, NULL)"
        )

    migrate.upgrade(url)

    (item,) = SqlFollowUps(url).unannounced(since=datetime(2026, 11, 1, tzinfo=UTC))
    assert (item.id, item.score) == ("f1", 1)
    assert differences(url) == []


def test_supportbot_db_upgrade_and_current_as_an_operator_runs_them(tmp_path):
    env = {**os.environ, "SUPPORTBOT_DATA_DIR": str(tmp_path)}

    before = supportbot("db", "current", env=env)
    upgraded = supportbot("db", "upgrade", env=env)
    after = supportbot("db", "current", env=env)

    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout.splitlines()[-1])["revision"] is None
    assert "supportbot db upgrade" in before.stderr
    assert json.loads(upgraded.stdout.splitlines()[-1])["after"] == migrate.head()
    assert json.loads(after.stdout.splitlines()[-1])["revision"] == migrate.head()
    assert Path(tmp_path / "desk.db").exists()


def test_an_unreachable_database_is_one_clear_line(tmp_path):
    env = {
        **os.environ,
        "SUPPORTBOT_DATA_DIR": str(tmp_path),
        "SUPPORTBOT_DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:1/desk",
    }

    result = supportbot("db", "upgrade", env=env)

    assert result.returncode == 2
    assert "error: cannot read the database at postgresql://nobody:***@127.0.0.1:1/desk" in (
        result.stderr
    )
    assert "secret" not in result.stderr
