"""The ``handoff`` slot: the conversation's own record of where its handoff stands.

The queue (``bot.handoff.queue``) is the shared truth; every change of a conversation's handoff
is also written into its tracker as this slot (status, agent, and the change: who, why, when),
so the conversation's record shows each transition and ``HandoffPolicy`` knows, from the
tracker alone, whether the bot should answer, acknowledge, take a message or stay silent.
"""

from __future__ import annotations

from typing import Any

from bot.handoff.lifecycle import Status, Transition
from bot.handoff.model import Handoff

HANDOFF_SLOT = "handoff"
#: Not a queue status: the bot is writing down a message for the team.
TAKING_MESSAGE = "taking_message"


#: A desk message's metadata key (and the widget's ``bot_uttered`` field) naming the agent the
#: customer chats with from then on ("" when waiting or back with the bot): the widget shows
#: the agent's typing, not the bot's dots, while an agent has the chat.
LIVE_AGENT = "live_agent"


def live_agent_of(value: object) -> str:
    """The agent a ``handoff`` slot value says the customer chats with ("" for none)."""
    if slot_status(value) != "assigned" or not isinstance(value, dict):
        return ""
    agent = value.get("agent")
    return agent if isinstance(agent, str) else ""


def slot_value(handoff: Handoff, change: Transition | None = None) -> dict[str, Any]:
    """The slot for ``handoff`` after ``change`` (None: no change, e.g. a correction)."""
    return {
        "id": handoff.id,
        "status": handoff.status.value,
        "agent": handoff.agent,
        "priority": handoff.priority,
        "reason": handoff.reason,
        "change": change.as_record() if change else None,
    }


def taking_message(handoff_id: str | None, draft: str = "") -> dict[str, Any]:
    """The slot while the customer writes a message for the team (``draft``: text so far)."""
    return {"id": handoff_id, "status": TAKING_MESSAGE, "draft": draft}


def slot_status(value: object) -> str | None:
    """The status in a ``handoff`` slot value, or None."""
    if isinstance(value, dict) and isinstance(value.get("status"), str):
        return str(value["status"])
    return None


def with_agent(value: object) -> bool:
    """The conversation is with an agent now (the bot stays silent)."""
    return slot_status(value) == Status.ASSIGNED.value
