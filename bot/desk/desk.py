"""``SupportDesk``: what agents do to conversations, done in one order everywhere.

Each operation changes the queue first (the database decides: of two agents claiming at once,
exactly one wins), then writes the change into the customer's conversation through Rasa
(the ``handoff`` slot with who, why and when, plus what the customer is told), which
delivers it on the customer's channel. The agent API and the console both use this class.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.business import BusinessFacts
from bot.desk.accounts import Agent, Role
from bot.desk.rasa_events import RasaConversations, bot_event, slot_event
from bot.desk.transcript import console_transcript
from bot.errors import HandoffError, HandoffTransitionError
from bot.handoff import replies
from bot.handoff.lifecycle import Action, Status
from bot.handoff.model import Handoff, Presence
from bot.handoff.slot import HANDOFF_SLOT, slot_value
from bot.satisfaction.survey import CSAT_SLOT, asked_record, survey_reply, worth_asking
from bot.settings import SlackSettings
from bot.storage.activity import SqlCustomerActivity
from bot.storage.complaints import SqlComplaints
from bot.storage.handoffs import SqlHandoffQueue
from bot.storage.tracker import ConversationStore

logger = logging.getLogger(__name__)

#: The longest message an agent can send at once.
MAX_AGENT_MESSAGE = 5000


class PermissionDeniedError(HandoffError):
    """The agent may not do this to this conversation (it is someone else's)."""


class SupportDesk:
    def __init__(
        self,
        queue: SqlHandoffQueue,
        store: ConversationStore,
        rasa: RasaConversations,
        customers: SqlCustomerActivity,
        *,
        facts: Callable[[], BusinessFacts],
        clock: Callable[[], datetime],
        slack: SlackSettings | None = None,
        complaints: SqlComplaints | None = None,
    ) -> None:
        self.queue = queue
        self.store = store
        self.rasa = rasa
        self.customers = customers
        self.facts = facts
        self.clock = clock
        self.slack = slack
        self.complaints = complaints

    # -- reading --------------------------------------------------------------------------

    def summary(self, handoff: Handoff, position: int | None = None) -> dict[str, Any]:
        """A handoff as the API lists it."""
        return {
            "id": handoff.id,
            "conversation_id": handoff.conversation_id,
            "channel": handoff.channel,
            "status": handoff.status.value,
            "reason": handoff.reason,
            "priority": handoff.priority,
            "waiting_since": handoff.waiting_since.isoformat(),
            "requested_at": handoff.requested_at.isoformat(),
            "position": position,
            "agent": handoff.agent,
            "assigned_at": handoff.assigned_at.isoformat() if handoff.assigned_at else None,
            "ended_at": handoff.ended_at.isoformat() if handoff.ended_at else None,
            "note": handoff.note,
            "contact": handoff.contact,
            "message": handoff.message,
        }

    async def listing(self, status: Status) -> list[dict[str, Any]]:
        handoffs = await asyncio.to_thread(self.queue.listing, status)
        if status is Status.QUEUED:
            return [self.summary(h, n) for n, h in enumerate(handoffs, start=1)]
        return [self.summary(h) for h in handoffs]

    async def detail(self, handoff_id: str) -> dict[str, Any]:
        """The handoff, its history, and the whole conversation as the agent sees it."""
        handoff = await asyncio.to_thread(self.queue.get, handoff_id)
        position = await asyncio.to_thread(self.queue.position, handoff_id)
        history = await asyncio.to_thread(self.queue.history, handoff_id)
        events = await asyncio.to_thread(self.store.events, handoff.conversation_id)
        return {
            **self.summary(handoff, position),
            "history": [change.as_record() for change in history],
            "transcript": console_transcript(events),
        }

    # -- agents ---------------------------------------------------------------------------

    async def set_presence(self, agent: str, presence: Presence) -> None:
        capacity = self.facts().live_chat.agent_capacity
        await asyncio.to_thread(
            self.queue.set_presence, agent, presence, capacity=capacity, now=self.clock()
        )

    async def claim(self, handoff_id: str, agent: Agent) -> Handoff:
        await self._ensure_online(agent.name)
        handoff = await asyncio.to_thread(
            self.queue.claim, handoff_id, agent.name, now=self.clock()
        )
        await self._tell(handoff, replies.joined_text(agent.name))
        return handoff

    async def say(self, handoff_id: str, agent: Agent, text: str) -> None:
        text = text.strip()
        if not text:
            raise HandoffError("the message is empty")
        if len(text) > MAX_AGENT_MESSAGE:
            raise HandoffError(f"a message can be up to {MAX_AGENT_MESSAGE} characters")
        handoff = await self._own(handoff_id, agent)
        metadata = {"agent": agent.name, "handoff_id": handoff.id, **await self._route(handoff)}
        await self.rasa.append(handoff.conversation_id, [bot_event(text, metadata=metadata)])
        if self.complaints is not None:  # the first answer to a complaint keeps its deadline
            answered = await asyncio.to_thread(
                self.complaints.responded,
                handoff.conversation_id,
                by=agent.name,
                now=self.clock(),
            )
            if answered:
                logger.info("complaint %s answered by %s", ", ".join(answered), agent.name)

    async def close(self, handoff_id: str, agent: Agent, note: str) -> Handoff:
        if not note.strip():
            raise HandoffError("closing needs a resolution note")
        await self._own(handoff_id, agent)
        handoff = await asyncio.to_thread(
            self.queue.end,
            handoff_id,
            Action.CLOSE,
            actor=f"agent:{agent.name}",
            reason=note.strip(),
            now=self.clock(),
        )
        await self._tell(
            handoff, replies.back_to_bot_text(agent.name, closed=True), survey_by=agent.name
        )
        return handoff

    async def release(self, handoff_id: str, agent: Agent) -> Handoff:
        await self._own(handoff_id, agent)
        handoff = await asyncio.to_thread(
            self.queue.end,
            handoff_id,
            Action.RELEASE,
            actor=f"agent:{agent.name}",
            reason="handed back to the bot",
            now=self.clock(),
        )
        await self._tell(
            handoff, replies.back_to_bot_text(agent.name, closed=False), survey_by=agent.name
        )
        return handoff

    async def transfer(self, handoff_id: str, agent: Agent, to_agent: str) -> Handoff:
        await self._own(handoff_id, agent)
        handoff = await asyncio.to_thread(
            self.queue.transfer,
            handoff_id,
            to_agent=to_agent,
            actor=f"agent:{agent.name}",
            now=self.clock(),
        )
        await self._tell(handoff, replies.transferred_text(to_agent))
        return handoff

    async def requeue(self, handoff_id: str, reason: str) -> Handoff:
        """The agent went away: back to the queue in the same place; the customer is told."""
        handoff = await asyncio.to_thread(
            self.queue.requeue, handoff_id, reason=reason, now=self.clock()
        )
        position = await asyncio.to_thread(self.queue.position, handoff_id) or 1
        wait = await asyncio.to_thread(self.queue.estimated_wait, handoff_id)
        await self._tell(handoff, replies.requeued_text(position, wait))
        return handoff

    async def assign_waiting(self, *, most: int = 50) -> list[Handoff]:
        """Give waiting customers, head of the queue first, to the least-loaded online agents
        with room (``live_chat.auto_assign``); each customer is told who joined."""
        assigned: list[Handoff] = []
        for _ in range(most):
            try:
                handoff = await asyncio.to_thread(self.queue.assign_next, now=self.clock())
            except HandoffTransitionError:  # another process took that customer first
                continue
            if handoff is None:
                break
            assigned.append(handoff)
            await self._tell(handoff, replies.joined_text(handoff.agent or "Someone"))
        return assigned

    async def abandon(self, handoff_id: str, reason: str) -> Handoff:
        """The customer left: the handoff ends, and what they find if they come back says so."""
        handoff = await asyncio.to_thread(
            self.queue.end,
            handoff_id,
            Action.ABANDON,
            actor="customer",
            reason=reason,
            now=self.clock(),
        )
        await self._tell(handoff, replies.abandoned_text())
        return handoff

    async def update_waiting(self, handoff: Handoff, position: int) -> None:
        """Tell a waiting customer where they stand (periodically, and when they move up)."""
        wait = await asyncio.to_thread(self.queue.estimated_wait, handoff.id)
        reply = replies.update_reply(position, wait, self.facts())
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        await self.rasa.append(
            handoff.conversation_id,
            [bot_event(reply.text, buttons=buttons, metadata=await self._route(handoff))],
        )

    # -- internals ------------------------------------------------------------------------

    async def _ensure_online(self, agent: str) -> None:
        presence = (await asyncio.to_thread(self.queue.presence)).get(agent)
        if presence is None or presence[0] is not Presence.ONLINE:
            await self.set_presence(agent, Presence.ONLINE)

    async def _own(self, handoff_id: str, agent: Agent) -> Handoff:
        handoff = await asyncio.to_thread(self.queue.get, handoff_id)
        if handoff.status is not Status.ASSIGNED:
            raise HandoffError(f"this conversation is {handoff.status.value}, not with an agent")
        if handoff.agent != agent.name and not agent.role.can(Role.LEAD):
            raise PermissionDeniedError(f"this conversation is with {handoff.agent}")
        return handoff

    async def _tell(self, handoff: Handoff, text: str, *, survey_by: str | None = None) -> None:
        """Record the change in the conversation and tell the customer ``text``; with
        ``survey_by`` (the agent who ended the chat), ask the satisfaction question too."""
        history = await asyncio.to_thread(self.queue.history, handoff.id)
        route = await self._route(handoff)
        events = [
            slot_event(HANDOFF_SLOT, slot_value(handoff, history[-1] if history else None)),
            bot_event(text, metadata={"handoff_id": handoff.id, **route}),
        ]
        if survey_by is not None:
            events += await self._survey(handoff, survey_by, route)
        await self.rasa.append(handoff.conversation_id, events)

    async def _survey(
        self, handoff: Handoff, agent: str, route: dict[str, str]
    ) -> list[dict[str, Any]]:
        """The satisfaction question, unless this conversation was asked already."""
        events = await asyncio.to_thread(self.store.events, handoff.conversation_id)
        if not worth_asking(events):
            return []
        reply = survey_reply()
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        return [
            slot_event(CSAT_SLOT, asked_record(by=f"agent:{agent}", at=self.clock().timestamp())),
            bot_event(reply.text, buttons=buttons, metadata=route),
        ]

    async def _route(self, handoff: Handoff) -> dict[str, str]:
        """For Slack: the customer's channel and thread (from their latest message)."""
        if handoff.channel != "slack":
            return {}
        events = await asyncio.to_thread(self.store.events, handoff.conversation_id, limit=200)
        for event in reversed(events):
            if event.get("event") != "user":
                continue
            metadata = event.get("metadata") or {}
            channel = str(metadata.get("out_channel") or "")
            if not channel:
                return {}
            route = {"slack_channel": channel}
            thread = metadata.get("thread_id")
            if thread and self.slack and self.slack.use_threads and not channel.startswith("D"):
                route["slack_thread"] = str(thread)
            return route
        return {}
