"""Read access to Rasa's SQL tracker store (table ``events``), shared with the Rasa server.

Rasa writes every event of every conversation there and owns its schema; other services only
read it. Works with any database SQLAlchemy and Rasa support (``SUPPORTBOT_TRACKER_URL``:
SQLite by default, PostgreSQL when scaled out). Before Rasa has written anything the table
does not exist: every reading then finds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from bot.storage.engines import contains_pattern, engine_for


def kept_open(engine: sa.engine.Engine, sessions: Any) -> tuple[sa.engine.Engine, Any]:
    """Rasa's store's engine and session maker, or for a SQLite file ones that keep their
    connections open (SQLAlchemy 1.4 opens a new one for every session of a file database).
    The store is used from one thread at a time: Rasa's event loop."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine, sessions
    kept = sa.create_engine(
        engine.url,
        poolclass=sa.pool.QueuePool,
        pool_size=2,
        # SQLite's own wait for a lock (5 s), as Rasa's engine has: the store runs on the
        # event loop, so a longer wait would hold every conversation up for longer.
        connect_args={"check_same_thread": False},
    )
    engine.dispose()
    return kept, sa.orm.sessionmaker(bind=kept)


class ConversationStore:
    """Events of conversations, oldest first, straight from the tracker store."""

    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

    def events(self, conversation_id: str, *, limit: int | None = 2000) -> list[dict[str, Any]]:
        """The last ``limit`` events of a conversation (all with None; empty if it does not
        exist yet)."""
        query = sa.text(
            "SELECT data FROM events WHERE sender_id = :sender ORDER BY id DESC"
            + (" LIMIT :limit" if limit is not None else "")
        )
        try:
            with self._engine.connect() as connection:
                rows = connection.execute(query, {"sender": conversation_id, "limit": limit})
                data = [row[0] for row in rows]
        except sa.exc.DBAPIError as exc:
            if no_events_table(exc):  # nobody has written anything yet
                return []
            raise
        return [json.loads(item) for item in reversed(data)]

    def events_since(
        self, after: int, conversation_ids: list[str], *, limit: int = 1000
    ) -> list[tuple[int, str, dict[str, Any]]]:
        """Events after row ``after`` of the given conversations: (row id, conversation, event)."""
        if not conversation_ids:
            return []
        query = sa.text(
            "SELECT id, sender_id, data FROM events WHERE id > :after AND sender_id IN :ids "
            "ORDER BY id LIMIT :limit"
        ).bindparams(sa.bindparam("ids", expanding=True))
        params = {"after": after, "ids": conversation_ids, "limit": limit}
        try:
            with self._engine.connect() as connection:
                rows = list(connection.execute(query, params))
        except sa.exc.DBAPIError as exc:
            if no_events_table(exc):
                return []
            raise
        return [(int(row[0]), str(row[1]), json.loads(row[2])) for row in rows]

    def conversations_saying(self, text: str, *, limit: int = 200) -> list[str]:
        """Conversations where a customer, the bot or an agent wrote something containing
        ``text`` (any case; for SQLite, of ASCII letters only), the most recently active first.
        Only what was written counts, not the rest of the stored event (intents, metadata)."""
        wanted = " ".join(text.split()).lower()
        if not wanted:
            return []
        written = (
            "(data::json)->>'text'"
            if self._engine.dialect.name == "postgresql"
            else "json_extract(data, '$.text')"
        )
        query = sa.text(
            "SELECT sender_id FROM events WHERE type_name IN ('user', 'bot') "
            f"AND lower({written}) LIKE :pattern ESCAPE '!' "
            "GROUP BY sender_id ORDER BY MAX(id) DESC LIMIT :limit"
        )
        params = {"pattern": contains_pattern(wanted), "limit": limit}
        try:
            with self._engine.connect() as connection:
                return [str(row[0]) for row in connection.execute(query, params)]
        except sa.exc.DBAPIError as exc:
            if no_events_table(exc):
                return []
            raise

    def latest_rows(self, conversation_ids: list[str]) -> dict[str, int]:
        """Each given conversation's latest event row (conversations without events are left
        out): what tells a reader whether a conversation changed since it last looked."""
        if not conversation_ids:
            return {}
        query = sa.text(
            "SELECT sender_id, MAX(id) FROM events WHERE sender_id IN :ids GROUP BY sender_id"
        ).bindparams(sa.bindparam("ids", expanding=True))
        found: dict[str, int] = {}
        try:
            with self._engine.connect() as connection:
                for start in range(0, len(conversation_ids), 500):
                    part = conversation_ids[start : start + 500]
                    found.update(
                        (str(r[0]), int(r[1])) for r in connection.execute(query, {"ids": part})
                    )
        except sa.exc.DBAPIError as exc:
            if no_events_table(exc):
                return {}
            raise
        return found

    def last_event_id(self) -> int:
        try:
            with self._engine.connect() as connection:
                return int(connection.execute(sa.text("SELECT MAX(id) FROM events")).scalar() or 0)
        except sa.exc.DBAPIError as exc:
            if no_events_table(exc):
                return 0
            raise

    def scan(
        self,
        types: tuple[str, ...],
        *,
        after: int = 0,
        conversations: list[str] | None = None,
        between: tuple[float, float] | None = None,
        batch: int = 5000,
    ) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """Every event of the given types (``user``, ``bot``, ``slot`` ...) after row ``after``,
        oldest first, of all conversations or only the given ones, optionally only those with
        a timestamp in ``between`` (Unix seconds, end excluded): (row, conversation, event)."""
        if conversations is not None:
            for start in range(0, len(conversations), 500):
                part = conversations[start : start + 500]
                yield from self._scan(types, after, part, between, batch)
            return
        yield from self._scan(types, after, None, between, batch)

    def active_between(self, start: float, end: float) -> list[str]:
        """Conversations in which the customer wrote between ``start`` and ``end`` (Unix
        seconds, end excluded)."""
        query = sa.text(
            "SELECT DISTINCT sender_id FROM events "
            "WHERE type_name = 'user' AND timestamp >= :start AND timestamp < :end"
        )
        try:
            with self._engine.connect() as connection:
                return [str(r[0]) for r in connection.execute(query, {"start": start, "end": end})]
        except sa.exc.DBAPIError as exc:
            if no_events_table(exc):
                return []
            raise

    def _scan(
        self,
        types: tuple[str, ...],
        after: int,
        conversations: list[str] | None,
        between: tuple[float, float] | None,
        batch: int,
    ) -> Iterator[tuple[int, str, dict[str, Any]]]:
        where = "id > :after AND type_name IN :types"
        params: dict[str, Any] = {"types": list(types), "limit": batch}
        if conversations is not None:
            where += " AND sender_id IN :ids"
            params["ids"] = conversations
        if between is not None:
            where += " AND timestamp >= :start AND timestamp < :end"
            params["start"], params["end"] = between
        query = sa.text(
            f"SELECT id, sender_id, data FROM events WHERE {where} ORDER BY id LIMIT :limit"
        ).bindparams(sa.bindparam("types", expanding=True))
        if conversations is not None:
            query = query.bindparams(sa.bindparam("ids", expanding=True))
        while True:
            try:
                with self._engine.connect() as connection:
                    rows = list(connection.execute(query, {**params, "after": after}))
            except sa.exc.DBAPIError as exc:
                if no_events_table(exc):
                    return
                raise
            for row in rows:
                yield int(row[0]), str(row[1]), json.loads(row[2])
            if len(rows) < batch:
                return
            after = int(rows[-1][0])


def no_events_table(error: sa.exc.DBAPIError) -> bool:
    """Rasa has not created its tables yet (SQLite's and PostgreSQL's ways of saying so)."""
    text = str(error.orig)
    return "no such table" in text or ('relation "events" does not exist' in text)


def count_of(query: Any) -> int:
    """The number of rows of an ORM query, counted by the database alone. SQLAlchemy's
    ``Query.count()`` counts a subquery that selects every column, so SQLite reads each
    event's whole JSON to count them: at turn 500 of one conversation the two counts of a
    save were 9% of the Rasa server's time."""
    return int(query.with_entities(sa.func.count()).order_by(None).scalar() or 0)


def latest_and_count(query: Any, id_column: Any) -> tuple[int | None, int]:
    """The largest ``id_column`` among an ORM query's rows and their number, in one query."""
    latest, count = (
        query.with_entities(sa.func.max(id_column), sa.func.count()).order_by(None).one()
    )
    return (int(latest) if latest is not None else None, int(count or 0))
