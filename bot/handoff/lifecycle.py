"""The life of a handoff: which status may follow which, and the record of every change.

One handoff per request for a person. It waits in the queue, is taken by an agent (or
assigned to one), and ends one way or another, after which the bot has the conversation again:

    queued ──claim / assign──▶ assigned ──close (note)──▶ closed
      │  ▲                       │  │ └────release──────▶ released  (handed back to the bot)
      │  └──requeue (agent gone)─┘  └──customer left──▶ abandoned
      ├──customer cancels──▶ cancelled
      ├──customer left─────▶ abandoned
      └──leaves a message──▶ message_left  (nobody available: a ticket)

``assigned → assigned`` is a transfer to another agent. Every change is a ``Transition``:
from, to, who (``customer``, ``policy``, ``agent:<name>``, ``system``), why, and when.
Anything else raises ``HandoffTransitionError``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.errors import HandoffTransitionError


class Status(enum.StrEnum):
    QUEUED = "queued"
    ASSIGNED = "assigned"
    CLOSED = "closed"
    RELEASED = "released"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"
    MESSAGE_LEFT = "message_left"

    @property
    def is_open(self) -> bool:
        """The customer is with the team (waiting or talking), not with the bot."""
        return self in (Status.QUEUED, Status.ASSIGNED)


class Action(enum.StrEnum):
    """What makes a handoff change status."""

    REQUEST = "request"  # the customer or the escalation policy asks for a person
    CLAIM = "claim"  # an agent takes it from the queue
    ASSIGN = "assign"  # the system gives it to the least-loaded online agent
    TRANSFER = "transfer"  # the agent passes it to another agent
    REQUEUE = "requeue"  # the agent went away: back to the queue, first in its priority
    CLOSE = "close"  # the agent resolved it (with a note)
    RELEASE = "release"  # the agent hands the customer back to the bot
    CANCEL = "cancel"  # the customer no longer wants to wait
    ABANDON = "abandon"  # the customer left
    LEAVE_MESSAGE = "leave_message"  # nobody available: the customer leaves a message


#: (from status, action) -> to status; ``None`` is "no handoff yet".
TRANSITIONS: dict[tuple[Status | None, Action], Status] = {
    (None, Action.REQUEST): Status.QUEUED,
    (Status.QUEUED, Action.CLAIM): Status.ASSIGNED,
    (Status.QUEUED, Action.ASSIGN): Status.ASSIGNED,
    (Status.QUEUED, Action.CANCEL): Status.CANCELLED,
    (Status.QUEUED, Action.ABANDON): Status.ABANDONED,
    (Status.QUEUED, Action.LEAVE_MESSAGE): Status.MESSAGE_LEFT,
    (Status.ASSIGNED, Action.TRANSFER): Status.ASSIGNED,
    (Status.ASSIGNED, Action.REQUEUE): Status.QUEUED,
    (Status.ASSIGNED, Action.CLOSE): Status.CLOSED,
    (Status.ASSIGNED, Action.RELEASE): Status.RELEASED,
    (Status.ASSIGNED, Action.ABANDON): Status.ABANDONED,
}


@dataclass(frozen=True)
class Transition:
    """One change of a handoff's status: the conversation's record of who, why and when."""

    handoff_id: str
    action: Action
    before: Status | None
    after: Status
    actor: str
    reason: str
    at: datetime

    def as_record(self) -> dict[str, str | None]:
        return {
            "handoff_id": self.handoff_id,
            "action": self.action.value,
            "from": self.before.value if self.before else None,
            "to": self.after.value,
            "actor": self.actor,
            "reason": self.reason,
            "at": self.at.isoformat(),
        }


def next_status(current: Status | None, action: Action) -> Status:
    """The status ``action`` leads to from ``current``, or ``HandoffTransitionError``."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        state = current.value if current else "no handoff"
        raise HandoffTransitionError(f"cannot {action.value} a handoff that is {state}") from None


def transition(
    handoff_id: str,
    current: Status | None,
    action: Action,
    *,
    actor: str,
    reason: str = "",
    at: datetime,
) -> Transition:
    """The record of applying ``action`` (raises if the current status does not allow it)."""
    if not actor:
        raise HandoffTransitionError("every handoff change needs an actor")
    if at.tzinfo is None:
        raise HandoffTransitionError("handoff times must carry a timezone")
    after = next_status(current, action)
    return Transition(handoff_id, action, current, after, actor, reason, at)
