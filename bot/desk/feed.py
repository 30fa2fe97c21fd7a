"""``DeskFeed``: follows the queue and the conversations in the database, and keeps agents live.

Every ``interval`` seconds it reads what changed since last time — handoff status changes
(``handoff_events``) and new events of the conversations that are waiting or with an agent
(the tracker store) — and pushes them to every connected console (WebSocket). Because it
reads the database, it sees changes made by any process: the action server queueing a
customer, another web service, a restart.

It also keeps the promises made to waiting customers and agents' absences honest:

* a waiting customer hears their position when they move up, and at least every
  ``live_chat.update_every_minutes`` (business facts);
* an agent whose consoles have all been disconnected for ``agent_grace`` seconds goes offline
  and their conversations go back to the queue, in the same place (the customer is told).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.desk.desk import SupportDesk
from bot.desk.transcript import entry
from bot.handoff.lifecycle import Status
from bot.handoff.queue import Presence

logger = logging.getLogger(__name__)

Send = Callable[[str], Awaitable[Any]]
#: The most conversation events read in one tick.
FOLLOW_LIMIT = 1000


class DeskFeed:
    def __init__(
        self,
        desk: SupportDesk,
        *,
        interval: float = 0.5,
        agent_grace: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.desk = desk
        self.interval = interval
        self.agent_grace = agent_grace
        self._monotonic = monotonic
        self._subscribers: dict[int, tuple[str, Send]] = {}
        self._gone_since: dict[str, float] = {}
        self._told: dict[str, tuple[int, float]] = {}  # handoff id -> (position, when)
        self._last_change = 0
        self._last_event = 0
        self._started = False

    # -- consoles -------------------------------------------------------------------------

    def subscribe(self, agent: str, send: Send) -> int:
        key = id(send)
        self._subscribers[key] = (agent, send)
        self._gone_since.pop(agent, None)
        return key

    def unsubscribe(self, key: int) -> None:
        agent, _ = self._subscribers.pop(key, ("", None))
        if agent and not any(a == agent for a, _ in self._subscribers.values()):
            self._gone_since[agent] = self._monotonic()

    async def publish(self, message: dict[str, Any]) -> None:
        text = json.dumps(message)
        for key, (_agent, send) in list(self._subscribers.items()):
            try:
                await send(text)
            except Exception:  # a console that went away; its handler unsubscribes it
                logger.debug("could not reach console %s", key)

    # -- following ------------------------------------------------------------------------

    async def start(self) -> None:
        queue, store = self.desk.queue, self.desk.store
        self._last_change = await asyncio.to_thread(queue.last_change)
        self._last_event = await asyncio.to_thread(store.last_event_id)
        self._started = True

    async def run(self) -> None:
        if not self._started:
            await self.start()
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("support desk feed: tick failed (retrying)")
            await asyncio.sleep(self.interval)

    async def tick(self) -> None:
        await self._follow_changes()
        waiting = await asyncio.to_thread(self.desk.queue.waiting)
        assigned = await asyncio.to_thread(self.desk.queue.listing, Status.ASSIGNED)
        await self._follow_conversations(waiting + assigned)
        await self._update_waiting(waiting)
        await self._requeue_absent_agents()

    async def _follow_changes(self) -> None:
        changes = await asyncio.to_thread(self.desk.queue.changes_since, self._last_change)
        for number, change in changes:
            self._last_change = number
            handoff = await asyncio.to_thread(self.desk.queue.get, change.handoff_id)
            await self.publish(
                {
                    "type": "change",
                    "change": change.as_record(),
                    "handoff": self.desk.summary(handoff),
                }
            )

    async def _follow_conversations(self, open_handoffs: list[Any]) -> None:
        store = self.desk.store
        top = await asyncio.to_thread(store.last_event_id)
        by_conversation = {h.conversation_id: h for h in open_handoffs}
        rows = await asyncio.to_thread(
            store.events_since, self._last_event, list(by_conversation), limit=FOLLOW_LIMIT
        )
        if len(rows) == FOLLOW_LIMIT:  # more than one read's worth: the rest next tick
            top = min(top, rows[-1][0])
        for row_id, conversation_id, event in rows:
            if row_id > top:
                break
            item = entry(event)
            if item is not None:
                await self.publish(
                    {
                        "type": "event",
                        "handoff_id": by_conversation[conversation_id].id,
                        "conversation_id": conversation_id,
                        "entry": item,
                    }
                )
        self._last_event = max(self._last_event, top)

    async def _update_waiting(self, waiting: list[Any]) -> None:
        every = self.desk.facts().live_chat.update_every_minutes * 60
        now = self._monotonic()
        current = {h.id for h in waiting}
        for gone in set(self._told) - current:
            del self._told[gone]
        for position, handoff in enumerate(waiting, start=1):
            told = self._told.get(handoff.id)
            if told is None:  # queued just now (the customer heard their place) or restarted
                self._told[handoff.id] = (position, now)
                continue
            if position < told[0] or now - told[1] >= every:
                self._told[handoff.id] = (position, now)
                try:
                    await self.desk.update_waiting(handoff, position)
                except Exception:
                    logger.exception("could not update waiting conversation %s", handoff.id)

    async def _requeue_absent_agents(self) -> None:
        now = self._monotonic()
        for agent, since in list(self._gone_since.items()):
            if now - since < self.agent_grace:
                continue
            del self._gone_since[agent]
            logger.info("agent %s has been disconnected for %.0f s", agent, now - since)
            await self.desk.set_presence(agent, Presence.OFFLINE)
            for handoff in await asyncio.to_thread(self.desk.queue.assigned_to, agent):
                try:
                    await self.desk.requeue(handoff.id, f"{agent} disconnected")
                except Exception:
                    logger.exception("could not requeue %s after %s left", handoff.id, agent)
