"""``SupportDesk``: what agents do to conversations, done in one order everywhere.

Each operation changes the queue (the database decides: of two agents claiming at once,
exactly one wins) and, in the same transaction, puts what the conversation must hear of it
into the outbox: the ``handoff`` slot with who, why and when, plus what the customer is told.
Then the outbox is delivered to Rasa, which writes it into the conversation and delivers it on
the customer's channel. If Rasa is down, the change stands and the conversation hears of it
when Rasa is back (``OutboxDelivery``); ``reconcile`` mends conversations whose record still
disagrees with the desk. The agent API and the console both use this class.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.accounts import Agent, Role
from bot.attachments import Attachment
from bot.business import BusinessFacts
from bot.catalogue import say
from bot.conversations.events import customer_message, slot
from bot.desk.assist import ArticleSuggestions
from bot.desk.delivery import OutboxDelivery
from bot.desk.handover_context import handover_context
from bot.desk.rasa_events import bot_event, slot_event
from bot.desk.transcript import console_transcript
from bot.errors import HandoffError, HandoffTransitionError, ServiceError
from bot.handoff import replies
from bot.handoff.lifecycle import Action, Status, Transition
from bot.handoff.model import Handoff, Presence
from bot.handoff.slot import HANDOFF_SLOT, LIVE_AGENT, slot_status, slot_value
from bot.privacy.log_ids import conversation_ref
from bot.satisfaction.survey import CSAT_SLOT, asked_record, survey_reply, worth_asking
from bot.settings import SlackSettings
from bot.storage.activity import SqlCustomerActivity
from bot.storage.complaints import SqlComplaints
from bot.storage.handoffs import SqlHandoffQueue, Tell
from bot.storage.outbox import SqlRasaOutbox
from bot.storage.tracker import ConversationStore

logger = logging.getLogger(__name__)

#: The longest message an agent can send at once.
MAX_AGENT_MESSAGE = 5000
#: The longest text the closed conversations can be searched for.
MAX_SEARCH = 200
#: A reference given to a customer (``replies.reference_for``): the end of the handoff's id.
REFERENCE = re.compile(r"M-([0-9a-f]{8})", re.IGNORECASE)
#: How many conversations' handover contexts are kept between listings (each is read again
#: only when its conversation has new events).
CONTEXTS_KEPT = 2000
#: The latest events of a conversation a context is read from.
CONTEXT_EVENTS = 500


class PermissionDeniedError(HandoffError):
    """The agent may not do this to this conversation (it is someone else's)."""


def live_agent(handoff: Handoff) -> str:
    """Who the customer is chatting with after a change ("": nobody, the bot answers)."""
    return (handoff.agent or "") if handoff.status is Status.ASSIGNED else ""


def with_context(item: dict[str, Any], context: dict[str, Any] | None) -> dict[str, Any]:
    """A listed handoff with its conversation's context (``bot.desk.handover_context``): the
    contact the customer left with the handoff comes first, then one they wrote; the language
    the queue routes by first, then the one the conversation shows."""
    if context is None:
        return item
    return {
        **item,
        **context,
        "contact": item.get("contact") or context.get("contact"),
        "language": item.get("language") or context.get("language"),
    }


class SupportDesk:
    def __init__(
        self,
        queue: SqlHandoffQueue,
        store: ConversationStore,
        outbox: SqlRasaOutbox,
        delivery: OutboxDelivery,
        customers: SqlCustomerActivity,
        *,
        facts: Callable[[], BusinessFacts],
        clock: Callable[[], datetime],
        slack: SlackSettings | None = None,
        complaints: SqlComplaints | None = None,
        assist: ArticleSuggestions | None = None,
    ) -> None:
        self.queue = queue
        self.store = store
        self.outbox = outbox
        self.delivery = delivery
        self.customers = customers
        self.facts = facts
        self.clock = clock
        self.slack = slack
        self.complaints = complaints
        self.assist = assist
        self._contexts: OrderedDict[str, tuple[int, dict[str, Any]]] = OrderedDict()
        self._contexts_lock = threading.Lock()  # listings read them in worker threads

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
            "language": handoff.language,
            "reference": replies.reference_for(handoff.id),
        }

    async def listing(self, status: Status) -> list[dict[str, Any]]:
        """The handoffs in ``status``, each with why the customer came (``with_context``)."""
        handoffs = await asyncio.to_thread(self.queue.listing, status)
        contexts = await asyncio.to_thread(
            self._contexts_of, list(dict.fromkeys(h.conversation_id for h in handoffs))
        )
        numbered = status is Status.QUEUED
        return [
            with_context(self.summary(h, n if numbered else None), contexts.get(h.conversation_id))
            for n, h in enumerate(handoffs, start=1)
        ]

    async def search(self, text: str, statuses: list[Status]) -> list[dict[str, Any]]:
        """Handoffs in ``statuses`` found by ``text`` in their reference, customer,
        conversation, agent, contact, message, reason or note, or in what was written in
        their conversation; the latest first, each with its context."""
        if len(text) > MAX_SEARCH:
            raise HandoffError(f"search for up to {MAX_SEARCH} characters")
        if not text.strip():
            raise HandoffError("say what to search for")
        if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in text):
            raise HandoffError("search for text on one line, without control characters")
        reference = REFERENCE.fullmatch(text.strip())
        wanted = reference.group(1).lower() if reference else text
        saying = await asyncio.to_thread(self.store.conversations_saying, text)
        handoffs = await asyncio.to_thread(
            self.queue.search, wanted, statuses=statuses, conversations=saying
        )
        contexts = await asyncio.to_thread(
            self._contexts_of, list(dict.fromkeys(h.conversation_id for h in handoffs))
        )
        return [with_context(self.summary(h), contexts.get(h.conversation_id)) for h in handoffs]

    async def detail(self, handoff_id: str) -> dict[str, Any]:
        """The handoff with its context, its history, the conversation's other handoffs, and
        the whole conversation as the agent sees it."""
        handoff = await asyncio.to_thread(self.queue.get, handoff_id)
        position = await asyncio.to_thread(self.queue.position, handoff_id)
        history = await asyncio.to_thread(self.queue.history, handoff_id)
        others = await asyncio.to_thread(self.queue.of_conversation, handoff.conversation_id)
        events = await asyncio.to_thread(self.store.events, handoff.conversation_id)
        try:
            context: dict[str, Any] | None = handover_context(events)
        except Exception:  # the transcript is what the agent needs most: shown without it
            logger.exception(
                "conversation %s: no handover context", conversation_ref(handoff.conversation_id)
            )
            context = None
        return {
            **with_context(self.summary(handoff, position), context),
            "history": [change.as_record() for change in history],
            "other_handoffs": [self.summary(h) for h in others if h.id != handoff.id],
            "transcript": console_transcript(events),
        }

    async def suggestions(self, handoff_id: str) -> dict[str, Any]:
        """Knowledge-base articles for the customer's latest question (``bot.desk.assist``)."""
        if self.assist is None:
            raise HandoffError("agent assist is not set up in this service")
        handoff = await asyncio.to_thread(self.queue.get, handoff_id)
        events = await asyncio.to_thread(
            self.store.events, handoff.conversation_id, limit=CONTEXT_EVENTS
        )
        return await asyncio.to_thread(self.assist.for_events, events)

    def _contexts_of(self, conversation_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The handover context of each conversation: kept ones whose conversation has no new
        events since, the others read afresh."""
        latest = self.store.latest_rows(conversation_ids)
        found: dict[str, dict[str, Any]] = {}
        for conversation_id in conversation_ids:
            row = latest.get(conversation_id, 0)
            with self._contexts_lock:
                kept = self._contexts.get(conversation_id)
            if kept is None or kept[0] != row:
                try:
                    events = self.store.events(conversation_id, limit=CONTEXT_EVENTS) if row else []
                    kept = (row, handover_context(events))
                except Exception:  # one odd conversation must not empty the agents' queue
                    logger.exception(
                        "conversation %s: no handover context", conversation_ref(conversation_id)
                    )
                    continue
            with self._contexts_lock:
                self._contexts[conversation_id] = kept
                self._contexts.move_to_end(conversation_id)
                while len(self._contexts) > CONTEXTS_KEPT:
                    self._contexts.popitem(last=False)
            found[conversation_id] = kept[1]
        return found

    # -- agents ---------------------------------------------------------------------------

    async def set_presence(self, agent: str, presence: Presence) -> None:
        capacity = self.facts().live_chat.agent_capacity
        await asyncio.to_thread(
            self.queue.set_presence, agent, presence, capacity=capacity, now=self.clock()
        )

    async def claim(self, handoff_id: str, agent: Agent) -> Handoff:
        await self._ensure_online(agent.name)
        handoff = await asyncio.to_thread(
            self.queue.claim,
            handoff_id,
            agent.name,
            now=self.clock(),
            tell=self._telling(lambda language: replies.joined_text(agent.name, language)),
        )
        await self._deliver(handoff.conversation_id)
        return handoff

    async def say(
        self, handoff_id: str, agent: Agent, text: str, *, attachment: Attachment | None = None
    ) -> bool:
        """Send the agent's message (with a file already kept, ``bot.desk.files``); True
        when the customer has it now (otherwise it is kept and delivered as soon as Rasa is
        back)."""
        text = text.strip()
        if not text:
            raise HandoffError("the message is empty")
        if len(text) > MAX_AGENT_MESSAGE:
            raise HandoffError(f"a message can be up to {MAX_AGENT_MESSAGE} characters")
        handoff = await self.owned(handoff_id, agent)
        metadata = {
            "agent": agent.name,
            "handoff_id": handoff.id,
            LIVE_AGENT: live_agent(handoff),  # its agent's, when a lead writes in too
            **await self._route(handoff),
            **(attachment.metadata() if attachment is not None else {}),
        }
        await asyncio.to_thread(
            self.outbox.add,
            handoff.conversation_id,
            [bot_event(text, metadata=metadata)],
            now=self.clock(),
        )
        delivered = await self._deliver(handoff.conversation_id)
        if self.complaints is not None:  # the first answer to a complaint keeps its deadline
            answered = await asyncio.to_thread(
                self.complaints.responded,
                handoff.conversation_id,
                by=agent.name,
                now=self.clock(),
            )
            if answered:
                logger.info("complaint %s answered by %s", ", ".join(answered), agent.name)
        return delivered

    async def typing(self, handoff_id: str, agent: Agent) -> bool:
        """Show the customer that the agent is typing (the website's chat only; nothing is
        stored). False when the customer cannot be told now."""
        handoff = await self.owned(handoff_id, agent)
        if handoff.channel != "socketio":
            return False
        try:
            await self.delivery.rasa.agent_typing(handoff.conversation_id, agent.name)
        except ServiceError:
            return False
        return True

    async def close(self, handoff_id: str, agent: Agent, note: str) -> Handoff:
        if not note.strip():
            raise HandoffError("closing needs a resolution note")
        before = await self.owned(handoff_id, agent)
        survey = await self._survey(before, agent.name)
        handoff = await asyncio.to_thread(
            self.queue.end,
            handoff_id,
            Action.CLOSE,
            actor=f"agent:{agent.name}",
            reason=note.strip(),
            now=self.clock(),
            tell=self._telling(
                lambda language: replies.back_to_bot_text(
                    agent.name, closed=True, language=language
                ),
                survey,
            ),
        )
        await self._deliver(handoff.conversation_id)
        return handoff

    async def release(self, handoff_id: str, agent: Agent) -> Handoff:
        before = await self.owned(handoff_id, agent)
        survey = await self._survey(before, agent.name)
        handoff = await asyncio.to_thread(
            self.queue.end,
            handoff_id,
            Action.RELEASE,
            actor=f"agent:{agent.name}",
            reason="handed back to the bot",
            now=self.clock(),
            tell=self._telling(
                lambda language: replies.back_to_bot_text(
                    agent.name, closed=False, language=language
                ),
                survey,
            ),
        )
        await self._deliver(handoff.conversation_id)
        return handoff

    async def transfer(self, handoff_id: str, agent: Agent, to_agent: str) -> Handoff:
        await self.owned(handoff_id, agent)
        handoff = await asyncio.to_thread(
            self.queue.transfer,
            handoff_id,
            to_agent=to_agent,
            actor=f"agent:{agent.name}",
            now=self.clock(),
            tell=self._telling(lambda language: replies.transferred_text(to_agent, language)),
        )
        await self._deliver(handoff.conversation_id)
        return handoff

    async def requeue(self, handoff_id: str, reason: str) -> Handoff:
        """The agent went away: back to the queue in the same place; the customer is told."""
        handoff = await asyncio.to_thread(
            self.queue.requeue, handoff_id, reason=reason, now=self.clock(), tell=self._telling()
        )
        # Where they now stand is known only after the change: a message of its own.
        position = await asyncio.to_thread(self.queue.position, handoff_id) or 1
        wait = await asyncio.to_thread(self._estimated_wait, handoff_id)
        await self._add_message(handoff, replies.requeued_text(position, wait, handoff.language))
        await self._deliver(handoff.conversation_id)
        return handoff

    async def assign_waiting(self, *, most: int = 50) -> list[Handoff]:
        """Give waiting customers, head of the queue first, to the least-loaded online agents
        with room who speak their language (``live_chat.auto_assign``, and
        ``same_language_wait_seconds``); each customer is told who joined."""
        assigned: list[Handoff] = []
        hold = self.facts().live_chat.language_hold or timedelta(0)
        for _ in range(most):
            try:
                handoff = await asyncio.to_thread(
                    self.queue.assign_next, now=self.clock(), tell=self._telling_joined, hold=hold
                )
            except HandoffTransitionError:  # another process took that customer first
                continue
            if handoff is None:
                break
            assigned.append(handoff)
            await self._deliver(handoff.conversation_id)
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
            tell=self._telling(replies.abandoned_text),
        )
        await self._deliver(handoff.conversation_id)
        return handoff

    async def update_waiting(self, handoff: Handoff, position: int) -> None:
        """Tell a waiting customer where they stand (periodically, and when they move up)."""
        wait = await asyncio.to_thread(self._estimated_wait, handoff.id)
        reply = replies.update_reply(position, wait, self.facts(), handoff.language)
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        await self._add_message(handoff, reply.text, buttons=buttons)
        await self._deliver(handoff.conversation_id)

    async def reconcile(self, *, within: timedelta = timedelta(hours=24)) -> int:
        """Mend conversations whose own record still says they wait for or talk to a person
        while the desk ended that handoff (within the last ``within``): the desk's state is
        written into them, so the bot answers them again. Returns how many were mended."""
        ended = await asyncio.to_thread(self.queue.ended_since, self.clock() - within)
        latest: dict[str, Handoff] = {}
        for handoff in ended:  # oldest first: the latest ended handoff of each conversation
            latest[handoff.conversation_id] = handoff
        pending = await asyncio.to_thread(self.outbox.pending_for, list(latest))
        candidates = [c for c in latest if c not in pending]
        slots = await asyncio.to_thread(self._handoff_slots, candidates)
        mended = 0
        for conversation_id in candidates:
            handoff, recorded = latest[conversation_id], slots.get(conversation_id)
            if slot_status(recorded) not in (Status.QUEUED.value, Status.ASSIGNED.value):
                continue
            if not isinstance(recorded, dict) or recorded.get("id") != handoff.id:
                continue  # the record is of another handoff
            if await asyncio.to_thread(self.queue.open_for, conversation_id) is not None:
                continue  # asked for a person again since
            logger.warning(
                "conversation %s: its record says %s, the desk says %s; mending",
                conversation_ref(conversation_id),
                slot_status(recorded),
                handoff.status.value,
            )
            event = slot_event(HANDOFF_SLOT, slot_value(handoff, None))
            await asyncio.to_thread(self.outbox.add, conversation_id, [event], now=self.clock())
            mended += 1
        if mended:
            await self.delivery.deliver()
        return mended

    def _handoff_slots(self, conversation_ids: list[str]) -> dict[str, object]:
        """The latest ``handoff`` slot value recorded in each conversation."""
        found: dict[str, object] = {}
        for _row, conversation_id, event in self.store.scan(
            ("slot",), conversations=conversation_ids
        ):
            recorded = slot(event, HANDOFF_SLOT)
            if recorded is not None:
                found[conversation_id] = recorded[1]
        return found

    # -- internals ------------------------------------------------------------------------

    def _estimated_wait(self, handoff_id: str) -> timedelta | None:
        hold = self.facts().live_chat.language_hold
        return self.queue.estimated_wait(handoff_id, hold=hold)

    async def _ensure_online(self, agent: str) -> None:
        presence = (await asyncio.to_thread(self.queue.presence)).get(agent)
        if presence is None or presence[0] is not Presence.ONLINE:
            await self.set_presence(agent, Presence.ONLINE)

    async def owned(self, handoff_id: str, agent: Agent) -> Handoff:
        """The handoff, if it is with an agent and ``agent`` may write in it (theirs, or a
        lead's)."""
        handoff = await asyncio.to_thread(self.queue.get, handoff_id)
        if handoff.status is not Status.ASSIGNED:
            raise HandoffError(f"this conversation is {handoff.status.value}, not with an agent")
        if handoff.agent != agent.name and not agent.role.can(Role.LEAD):
            raise PermissionDeniedError(f"this conversation is with {handoff.agent}")
        return handoff

    def _telling(
        self,
        text: Callable[[str | None], str] | None = None,
        extra: Sequence[dict[str, Any]] = (),
    ) -> Tell:
        """What a change tells the conversation (run inside the change's transaction): the
        ``handoff`` slot after it, ``text`` for the customer in their language (from the
        handoff), then ``extra`` events."""

        def tell(after: Handoff, change: Transition) -> list[dict[str, Any]]:
            events = [slot_event(HANDOFF_SLOT, slot_value(after, change))]
            if text is not None:
                route = self._route_now(after)
                metadata = {"handoff_id": after.id, LIVE_AGENT: live_agent(after), **route}
                events.append(bot_event(text(after.language), metadata=metadata))
            return [*events, *extra]

        return tell

    def _telling_joined(self, after: Handoff, change: Transition) -> list[dict[str, Any]]:
        """For an automatic assignment: who joined is known only inside the change."""
        agent = after.agent

        def joined(language: str | None) -> str:
            return replies.joined_text(agent or say("handoff.someone", language), language)

        return self._telling(joined)(after, change)

    async def _add_message(
        self, handoff: Handoff, text: str, *, buttons: list[dict[str, str]] | None = None
    ) -> None:
        metadata = {"handoff_id": handoff.id, LIVE_AGENT: "", **await self._route(handoff)}
        event = bot_event(text, buttons=buttons, metadata=metadata)
        await asyncio.to_thread(self.outbox.add, handoff.conversation_id, [event], now=self.clock())

    async def _deliver(self, conversation_id: str) -> bool:
        """Deliver the conversation's outbox now; a failure leaves it for the feed's retries
        (the change itself is made either way)."""
        try:
            return await self.delivery.deliver(conversation_id)
        except Exception:  # the outbox keeps it; the feed tries again
            logger.exception("conversation %s: delivery failed", conversation_ref(conversation_id))
            return False

    async def _survey(self, handoff: Handoff, agent: str) -> list[dict[str, Any]]:
        """The satisfaction question, unless this conversation was asked already."""
        events = await asyncio.to_thread(self.store.events, handoff.conversation_id)
        if not worth_asking(events):
            return []
        route = await self._route(handoff)
        reply = survey_reply(handoff.language)
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        return [
            slot_event(CSAT_SLOT, asked_record(by=f"agent:{agent}", at=self.clock().timestamp())),
            bot_event(reply.text, buttons=buttons, metadata=route),
        ]

    async def _route(self, handoff: Handoff) -> dict[str, str]:
        return await asyncio.to_thread(self._route_now, handoff)

    def _route_now(self, handoff: Handoff) -> dict[str, str]:
        """For Slack: the customer's channel and thread (from their latest message)."""
        if handoff.channel != "slack":
            return {}
        for event in reversed(self.store.events(handoff.conversation_id, limit=200)):
            message = customer_message(event)
            if message is None:
                continue
            metadata = message.metadata
            channel = str(metadata.get("out_channel") or "")
            if not channel:
                return {}
            route = {"slack_channel": channel}
            thread = metadata.get("thread_id")
            if thread and self.slack and self.slack.use_threads and not channel.startswith("D"):
                route["slack_thread"] = str(thread)
            return route
        return {}
