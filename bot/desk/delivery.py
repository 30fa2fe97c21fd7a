"""``OutboxDelivery``: hands the outbox's events to Rasa, in order, until Rasa takes them.

The desk delivers right after each change (so the customer hears at once), and the desk feed
calls ``deliver`` every tick for whatever is left: events for a conversation whose delivery
failed (Rasa down, restarting) are retried with a growing pause, up to ``MAX_PAUSE`` seconds,
and the conversation's later events wait behind them so nothing arrives out of order. When
Rasa cannot be reached a pass stops at once (one timeout, not one per conversation); an update
Rasa answers with an error ``MAX_REFUSALS`` times is given up and logged as an error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.errors import RasaRefusedError, ServiceError
from bot.privacy.log_ids import conversation_ref
from bot.rasa_api import RasaApi
from bot.storage.outbox import OutboxItem, SqlRasaOutbox

logger = logging.getLogger(__name__)

#: The longest pause between two attempts for one conversation (seconds).
MAX_PAUSE = 30
#: Refusals (Rasa answered with an error) after which an update is given up.
MAX_REFUSALS = 3


class OutboxDelivery:
    def __init__(
        self, outbox: SqlRasaOutbox, rasa: RasaApi, *, clock: Callable[[], datetime]
    ) -> None:
        self.outbox = outbox
        self.rasa = rasa
        self.clock = clock

    async def deliver(self, conversation_id: str | None = None) -> bool:
        """Send what is due (for one conversation, or all); True when nothing is left
        undelivered (for that conversation, or at all)."""
        while await self._send_due(conversation_id):
            pass
        if conversation_id is None:
            return await asyncio.to_thread(self.outbox.backlog) == 0
        return not await asyncio.to_thread(self.outbox.pending_for, [conversation_id])

    async def _send_due(self, conversation_id: str | None) -> bool:
        """One pass over what is due; True when something was delivered (more may be due).
        A pass ends at the first time Rasa cannot be reached: the rest would only wait too."""
        due = await asyncio.to_thread(
            self.outbox.due, now=self.clock(), conversation_id=conversation_id
        )
        progressed = False
        for item in due:
            if not await asyncio.to_thread(self.outbox.claim, item.id, now=self.clock()):
                continue  # another desk process is sending it
            try:
                await self.rasa.append(item.conversation_id, self._stamped(item.events))
            except RasaRefusedError as exc:
                await self._refused(item, exc)
                continue
            except ServiceError as exc:
                await self._retry_later(item, exc)
                return False
            await asyncio.to_thread(self.outbox.delivered, item.id, now=self.clock())
            progressed = True
        return progressed

    def _stamped(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The events as of now: Rasa reads a conversation's session from its latest start
        by time, so events kept while Rasa was down must not carry the time they were made."""
        now = self.clock().timestamp()
        return [{**event, "timestamp": now} for event in events]

    async def _refused(self, item: OutboxItem, exc: RasaRefusedError) -> None:
        if item.attempts + 1 >= MAX_REFUSALS:
            logger.error(
                "conversation %s: Rasa refused the desk's update %d times; giving it up: %s",
                conversation_ref(item.conversation_id),
                item.attempts + 1,
                exc.message,
            )
            await asyncio.to_thread(
                self.outbox.give_up, item.id, error=exc.message, now=self.clock()
            )
            return
        await self._retry_later(item, exc)

    async def _retry_later(self, item: OutboxItem, exc: ServiceError) -> None:
        pause = min(MAX_PAUSE, 2**item.attempts)
        retry_at = self.clock() + timedelta(seconds=pause)
        await asyncio.to_thread(self.outbox.failed, item.id, error=exc.message, retry_at=retry_at)
        logger.warning(
            "conversation %s: Rasa did not take the desk's update (attempt %d, retrying in "
            "%d s): %s",
            conversation_ref(item.conversation_id),
            item.attempts + 1,
            pause,
            exc.message,
        )
