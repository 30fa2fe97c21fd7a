"""``DeskFeed``: follows the queue and the conversations in the database, and keeps agents live.

Every ``interval`` seconds it reads what changed since last time — handoff status changes
(``handoff_events``) and new events of the conversations that are waiting or with an agent
(the tracker store) — and pushes them to every connected console (WebSocket). Because it
reads the database, it sees changes made by any process: the action server queueing a
customer, another web service, a restart. In a cluster, Rasa's event broker tells it which
conversations just had events (``EventStream``): it reads the tracker store only for those,
at once, and reads every open conversation each tick only while the broker is away.

It also shows agents what the customer is doing (typing; their chat page closed), and keeps
the promises made to customers and agents honest:

* a customer who starts waiting is announced in Slack (``SUPPORTBOT_SLACK_AGENT_CHANNEL``);
* a waiting customer hears their position when they move up, and at least every
  ``live_chat.update_every_minutes`` (business facts);
* with ``live_chat.auto_assign``, waiting customers go to the least-loaded online agent;
* a website customer whose chat page has stayed closed for
  ``live_chat.abandon_after_seconds`` has left: the handoff is marked abandoned;
* what Rasa could not take (it was down) is delivered when it is back, and conversations
  whose record disagrees with the desk are mended (at start, then every 10 minutes);
* an agent not heard from for ``agent_grace`` seconds (no open console, no call to the agent
  API) goes offline and their conversations go back to the queue, in the same place (the
  customer is told). Open consoles keep their agent present (a heartbeat in the database, so
  any web service process sees it).

With several web processes (a cluster), each follows the database for its own consoles and
keeps its own consoles' agents present, but the timed work above runs only in the process
holding the desk's lease (``Duty``), and a Slack notice is claimed before it is sent: none
goes out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.desk.desk import SupportDesk
from bot.desk.duty import Duty
from bot.desk.event_stream import EventStream
from bot.desk.slack_notice import SlackAgentNotice
from bot.desk.transcript import entry
from bot.handoff.lifecycle import Action, Status
from bot.handoff.model import Presence
from bot.storage.followups import SqlFollowUps
from bot.storage.slack_events import SqlSlackEventLog

logger = logging.getLogger(__name__)

Send = Callable[[str], Awaitable[Any]]
#: The most conversation events read in one tick.
FOLLOW_LIMIT = 1000
#: An agent's presence is written to the database at most this often (seconds).
HEARTBEAT_EVERY = 10.0
#: How often (seconds) new follow-ups are looked for, to announce them in Slack.
FOLLOWUPS_EVERY = 5.0
#: A keystroke reported this recently (seconds) shows "the customer is typing".
TYPING_SHOWN = 5.0
#: How often (seconds) conversations are checked against the desk (and at start).
RECONCILE_EVERY = 600.0
#: With the broker, every open conversation is still read this often (seconds): a safety net
#: for anything the broker did not carry (a Rasa server that died with events unpublished).
FULL_READ_EVERY = 30.0
#: The shortest pause (seconds) between two ticks woken by the broker.
WAKE_GAP = 0.2


class DeskFeed:
    def __init__(
        self,
        desk: SupportDesk,
        *,
        interval: float = 0.5,
        agent_grace: float = 60.0,
        slack_notice: SlackAgentNotice | None = None,
        followups: SqlFollowUps | None = None,
        duty: Duty | None = None,
        notices: SqlSlackEventLog | None = None,
        broker_url: str | None = None,
    ) -> None:
        self.desk = desk
        #: Rasa's events from the broker (a cluster); None: read the tracker store every tick.
        self.stream = EventStream(broker_url, self._broker_named) if broker_url else None
        self.duty = duty  # None: this is the only web process
        self.notices = notices  # where Slack notices are claimed (None: the only process)
        self.slack_notice = slack_notice
        self.followups = followups
        self._followups_checked = 0.0
        self.interval = interval
        self.agent_grace = agent_grace
        self._subscribers: dict[int, tuple[str, Send]] = {}
        self._heard: dict[str, float] = {}  # agent -> when their presence was last written
        self._told: dict[str, tuple[int, float]] = {}  # handoff id -> (position, when)
        # handoff id -> what consoles were shown about its customer, and when it ends (if the
        # chat page is closed: desk clock)
        self._customers: dict[str, tuple[dict[str, Any], datetime | None]] = {}
        self._last_change = 0
        self._after: dict[str, int] = {}  # open conversation -> the last event row read
        self._top = 0  # the newest event row known
        self._named: set[str] = set()  # open conversations the broker named, not read since
        self._caught_up = 0  # the stream's connections already followed by a full read
        self._full_read_at = 0.0  # when every open conversation was last read (monotonic)
        self._wake: asyncio.Event | None = None  # made in run(): it belongs to one event loop
        self._reconciled = 0.0
        self._started = False

    # -- consoles -------------------------------------------------------------------------

    def subscribe(self, agent: str, send: Send) -> int:
        key = id(send)
        self._subscribers[key] = (agent, send)
        return key

    async def welcome(self, send: Send) -> None:
        """Tell a console that just connected (or reconnected) what the lists and the
        conversation don't: which customers are typing or have closed their chat page."""
        now = self.desk.clock()
        for handoff_id in list(self._customers):
            known = self._customers.get(handoff_id)  # as of now: a send may have waited
            if known is None:
                continue
            shown, ends_at = known
            if not shown["typing"] and not shown["page_closed"]:
                continue
            current = dict(shown)
            if ends_at is not None:
                current["ends_in_seconds"] = max(0, round((ends_at - now).total_seconds()))
            await send(json.dumps({"type": "customer", "handoff_id": handoff_id, **current}))

    def unsubscribe(self, key: int) -> None:
        self._subscribers.pop(key, None)

    async def heard_from(self, agent: str) -> None:
        """The agent is there (an open console, a call to the API): noted at most every
        ``HEARTBEAT_EVERY`` seconds."""
        now = self.desk.clock()
        last = self._heard.get(agent)
        if last is not None and now.timestamp() - last < HEARTBEAT_EVERY:
            return
        self._heard[agent] = now.timestamp()
        await asyncio.to_thread(self.desk.queue.seen, agent, now=now)

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
        self._top = await asyncio.to_thread(store.last_event_id)
        self._started = True

    async def run(self) -> None:
        if not self._started:
            await self.start()
        running = []
        if self.duty is not None:  # the lease is renewed on its own schedule, not between ticks
            running.append(asyncio.create_task(self.duty.keep()))
        if self.stream is not None:
            running.append(asyncio.create_task(self.stream.run()))
        try:
            await self._run_ticks()
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def _run_ticks(self) -> None:
        self._wake = wake = asyncio.Event()
        while True:
            wake.clear()
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("support desk feed: tick failed (retrying)")
            # Woken early when the broker names an open conversation (not more often than
            # every WAKE_GAP seconds: a busy conversation must not run ticks back to back).
            await asyncio.sleep(WAKE_GAP)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), max(0.0, self.interval - WAKE_GAP))

    def _broker_named(self, conversation_id: str) -> None:
        """The broker says this conversation just had an event."""
        if conversation_id in self._after:
            self._named.add(conversation_id)
            if self._wake is not None:
                self._wake.set()

    async def on_duty(self) -> bool:
        """Whether this process does the timed work now (see ``Duty``)."""
        return self.duty is None or await self.duty.mine()

    async def tick(self) -> None:
        on_duty = await self.on_duty()
        if on_duty:
            await self.desk.delivery.deliver()  # what Rasa could not take before
            await self._reconcile()
        await self._follow_changes()
        queue = self.desk.queue
        waiting = await asyncio.to_thread(queue.waiting)
        assigned = await asyncio.to_thread(queue.listing, Status.ASSIGNED)
        await self._follow_conversations(waiting + assigned)
        await self._follow_customers(waiting + assigned, on_duty=on_duty)
        await self._keep_present()
        if not on_duty:
            self._told.clear()  # the holder keeps count; start afresh if this one takes over
            return
        auto_assign = self.desk.facts().live_chat.auto_assign
        if waiting and auto_assign and await self.desk.assign_waiting():
            waiting = await asyncio.to_thread(queue.waiting)
        await self._update_waiting(waiting)
        await self._requeue_absent_agents()
        await self._announce_followups()

    async def stop(self) -> None:
        """A clean stop: another process takes the timed work over at once."""
        if self.duty is not None:
            await self.duty.give_up()

    async def _reconcile(self) -> None:
        now = time.monotonic()
        if self._reconciled and now - self._reconciled < RECONCILE_EVERY:
            return
        self._reconciled = now
        mended = await self.desk.reconcile()
        if mended:
            logger.info("mended %d conversations that disagreed with the desk", mended)

    async def _announce_followups(self) -> None:
        """Unhappy survey answers go to the team's Slack channel (checked every few seconds;
        only items from the last hour, so switching Slack on does not replay history)."""
        if self.slack_notice is None or self.followups is None:
            return
        now = time.monotonic()
        if now - self._followups_checked < FOLLOWUPS_EVERY:
            return
        self._followups_checked = now
        moment = self.desk.clock()
        for item in await asyncio.to_thread(
            self.followups.unannounced, since=moment - timedelta(hours=1)
        ):
            if await self._claim(f"notice:followup:{item.id}"):
                await self.slack_notice.follow_up(item)
            await asyncio.to_thread(self.followups.announced, item.id, now=moment)

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
            queued = change.action in (Action.REQUEST, Action.REQUEUE)
            announce = queued and self.slack_notice and handoff.status is Status.QUEUED
            if announce and await self._claim(f"notice:waiting:{number}"):
                assert self.slack_notice is not None
                position = await asyncio.to_thread(self.desk.queue.position, handoff.id)
                await self.slack_notice.waiting(handoff, position)

    async def _claim(self, key: str) -> bool:
        """True for the one process that is to send this notice."""
        if self.notices is None:
            return True
        return await asyncio.to_thread(self.notices.first_time, key)

    async def _follow_conversations(self, open_handoffs: list[Any]) -> None:
        """Show the consoles the new events of open conversations, each once.

        Every open conversation has its own position (the last event row read). Without a
        broker, or while it is away, just back, or every ``FULL_READ_EVERY`` seconds, all of
        them are read; otherwise only those the broker named and those just opened. A
        position moves only when a read succeeded, and a read that was complete moves every
        conversation it covered to the newest row known before it, so a quiet conversation
        never holds the next reads back."""
        store = self.desk.store
        by_conversation = {h.conversation_id: h for h in open_handoffs}
        for gone in set(self._after) - set(by_conversation):
            del self._after[gone]
        self._named &= set(by_conversation)
        new = set(by_conversation) - set(self._after)
        for conversation in new:  # shown from the newest row known at the last read
            self._after[conversation] = self._top
        stream, now = self.stream, time.monotonic()
        following = stream is not None and stream.connected
        full = (
            not following
            or stream.connections != self._caught_up  # type: ignore[union-attr]
            or now - self._full_read_at >= FULL_READ_EVERY
        )
        named = set(self._named)
        ids = list(by_conversation) if full else [c for c in by_conversation if c in new | named]
        connections = stream.connections if following else -1  # type: ignore[union-attr]
        if not ids:
            return
        top = await asyncio.to_thread(store.last_event_id)
        rows = await asyncio.to_thread(
            store.events_since, min(self._after[c] for c in ids), ids, limit=FOLLOW_LIMIT
        )
        # Complete up to here for every conversation read (the rest, if cut, next tick).
        last = rows[-1][0] if rows else 0
        reached = last if len(rows) == FOLLOW_LIMIT else max(top, last)
        for row_id, conversation_id, event in rows:
            if row_id <= self._after[conversation_id]:
                continue  # read before (the read starts at the oldest position of them)
            self._after[conversation_id] = row_id
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
        for conversation in ids:
            self._after[conversation] = max(self._after[conversation], reached)
        self._top = max(self._top, reached)
        if len(rows) == FOLLOW_LIMIT:
            self._named.update(ids)  # more to read
            return
        self._named -= named & set(ids)  # names heard during the read stay for the next one
        if full:
            self._full_read_at = now
            self._caught_up = connections

    async def _follow_customers(self, open_handoffs: list[Any], *, on_duty: bool) -> None:
        """Typing, and customers who closed the chat page (website only: a Slack customer
        has no page to close and may answer hours later); ended as abandoned on duty."""
        on_site = [h for h in open_handoffs if h.channel == "socketio"]
        for gone in set(self._customers) - {h.id for h in on_site}:
            del self._customers[gone]
        if not on_site:
            return
        activity = await asyncio.to_thread(
            self.desk.customers.of, [h.conversation_id for h in on_site]
        )
        now = self.desk.clock()
        leave_after = self.desk.facts().live_chat.abandon_after_seconds
        for handoff in on_site:
            seen = activity.get(handoff.conversation_id)
            away = seen.gone_for(now) if seen else None
            if away is not None and away >= leave_after and on_duty:
                try:
                    await self.desk.abandon(
                        handoff.id, f"the chat page was closed for {round(away)} s"
                    )
                except Exception:
                    logger.exception("could not end abandoned conversation %s", handoff.id)
                continue
            shown = {
                "typing": bool(seen and seen.typing(now, within_seconds=TYPING_SHOWN)),
                "page_closed": away is not None,
                "ends_in_seconds": None if away is None else max(0, round(leave_after - away)),
            }
            ends_at = None if away is None else now + timedelta(seconds=leave_after - away)
            before = self._customers.get(handoff.id)
            if before is not None and _same_state(before[0], shown):
                self._customers[handoff.id] = (before[0], ends_at)  # the page may have closed again
                continue
            self._customers[handoff.id] = (shown, ends_at)
            if before is None and not shown["typing"] and not shown["page_closed"]:
                continue  # nothing to show
            await self.publish({"type": "customer", "handoff_id": handoff.id, **shown})

    async def _update_waiting(self, waiting: list[Any]) -> None:
        every = self.desk.facts().live_chat.update_every_minutes * 60
        now = self.desk.clock().timestamp()
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

    async def _keep_present(self) -> None:
        """The agents with a console open on this process are there."""
        for agent in {a for a, _ in self._subscribers.values()}:
            await self.heard_from(agent)

    async def _requeue_absent_agents(self) -> None:
        since = self.desk.clock() - timedelta(seconds=self.agent_grace)
        for agent in await asyncio.to_thread(self.desk.queue.unheard_since, since):
            logger.info("agent %s has not been heard from for %.0f s", agent, self.agent_grace)
            await self.desk.set_presence(agent, Presence.OFFLINE)
            for handoff in await asyncio.to_thread(self.desk.queue.assigned_to, agent):
                try:
                    await self.desk.requeue(handoff.id, f"{agent} disconnected")
                except Exception:
                    logger.exception("could not requeue %s after %s left", handoff.id, agent)


def _same_state(before: dict[str, Any], now: dict[str, Any]) -> bool:
    """Nothing new for the console (the countdown alone is not news)."""
    return all(before[key] == now[key] for key in ("typing", "page_closed"))
