"""What the handoff queue holds: a ``Handoff`` (one customer's request for a person, from
queued to its end) and each agent's ``Presence``. Stored by ``bot.storage.handoffs``."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.handoff.lifecycle import Status

#: Order of the queue: high priority before normal.
PRIORITY_RANK = {"high": 0, "normal": 1}


class Presence(enum.StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Handoff:
    id: str
    conversation_id: str
    channel: str
    status: Status
    priority: str
    reason: str
    requested_at: datetime
    waiting_since: datetime
    agent: str | None = None
    assigned_at: datetime | None = None
    ended_at: datetime | None = None
    note: str | None = None
    contact: str | None = None
    message: str | None = None
    language: str | None = None  # the customer's: written in, asked for, else the widget's
