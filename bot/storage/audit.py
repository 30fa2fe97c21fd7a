"""``SqlAuditLog``: who in the team read one customer's record or changed anything, and when.

Written by the web service for every console or API request worth it (``bot.web.audit``) and by
``supportbot privacy``; read by admins (``GET /api/audit``, ``supportbot audit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bot.storage.engines import engine_for, stored_utc
from bot.storage.schema import audit_log

#: The longest target kept (a path; query strings are never recorded).
MAX_TARGET = 500


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str
    status: int
    id: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "status": self.status,
        }


class SqlAuditLog:
    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

    def record(self, entry: AuditEntry) -> None:
        with self._engine.begin() as db:
            db.execute(
                audit_log.insert().values(
                    at=entry.at,
                    actor=entry.actor[:255],
                    action=entry.action[:16],
                    target=entry.target[:MAX_TARGET],
                    status=entry.status,
                )
            )

    def entries(
        self, *, actor: str | None = None, before: int | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """The newest entries first (of one actor; older than entry ``before``)."""
        query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if actor is not None:
            query = query.where(audit_log.c.actor == actor)
        if before is not None:
            query = query.where(audit_log.c.id < before)
        with self._engine.connect() as db:
            return [
                AuditEntry(
                    id=int(row["id"]),
                    at=stored_utc(row["at"]),
                    actor=str(row["actor"]),
                    action=str(row["action"]),
                    target=str(row["target"]),
                    status=int(row["status"]),
                )
                for row in db.execute(query).mappings()
            ]
