"""Read access to Rasa's SQL tracker store (table ``events``), shared with the Rasa server.

Rasa writes every event of every conversation there; other services read it. Works with any
database SQLAlchemy and Rasa support (SQLite by default, PostgreSQL when scaled out).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa


class ConversationStore:
    """Events of conversations, oldest first, straight from the tracker store."""

    def __init__(self, url: str) -> None:
        self._engine = sa.create_engine(url, future=True)

    @classmethod
    def sqlite(cls, path: str) -> ConversationStore:
        return cls(f"sqlite:///{path}")

    def events(self, conversation_id: str, *, limit: int = 2000) -> list[dict[str, Any]]:
        """The last ``limit`` events of a conversation (empty if it does not exist yet)."""
        query = sa.text(
            "SELECT data FROM events WHERE sender_id = :sender ORDER BY id DESC LIMIT :limit"
        )
        try:
            with self._engine.connect() as connection:
                rows = connection.execute(query, {"sender": conversation_id, "limit": limit})
                data = [row[0] for row in rows]
        except sa.exc.OperationalError as exc:
            if "no such table" in str(exc):  # nobody has written anything yet
                return []
            raise
        return [json.loads(item) for item in reversed(data)]
