"""``EventStream``: which conversations just had tracker events, heard from Rasa's event broker.

In a cluster every Rasa server publishes each tracker event to RabbitMQ's fanout exchange
``rasa-exchange`` (Rasa's pika event broker, ``deploy/endpoints.yml``). Each desk (web)
process binds a queue of its own to that exchange (exclusive: it goes away with the process)
and notes the conversation of every event, so its feed reads the tracker store only for
conversations with the team that just changed, instead of every half second.

The broker says *when* and *which*; the events themselves are still read from the tracker
store by row id, so nothing is shown twice or lost when the broker is away: while the stream
is not connected the feed reads as before, and each (re)connection is counted
(``connections``) so the feed reads every conversation once more (anything published while
this process's queue was not bound).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import aio_pika

logger = logging.getLogger(__name__)

#: Rasa's pika event broker publishes to this fanout exchange (declared by Rasa, not durable).
EXCHANGE = "rasa-exchange"
#: Seconds between attempts to reach RabbitMQ.
RETRY_SECONDS = 2.0
#: The longest a clean close of the connection may take (seconds).
CLOSE_SECONDS = 2.0


class EventStream:
    def __init__(self, url: str, on_event: Callable[[str], None]) -> None:
        self._url = url
        self._on_event = on_event
        self.connected = False
        #: How many times the stream has (re)connected: the feed catches up after each.
        self.connections = 0
        self._connection: aio_pika.abc.AbstractConnection | None = None

    async def run(self) -> None:
        """Follow the broker until cancelled, reconnecting after RabbitMQ goes away."""
        reported = False
        while True:
            try:
                await self._follow()
                reported = False
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not reported:  # once per outage, not every retry
                    logger.warning(
                        "event broker unreachable (%s); the desk reads the tracker store "
                        "until it is back",
                        error,
                    )
                    reported = True
            finally:
                self.connected = False
            await asyncio.sleep(RETRY_SECONDS)

    async def _follow(self) -> None:
        connection = self._connection = await aio_pika.connect(self._url, timeout=5)
        lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def closed(*_: Any) -> None:  # the connection, the channel or the consumer went away
            self.connected = False
            if not lost.done():
                lost.set_result(None)

        connection.close_callbacks.add(closed)
        try:
            channel = await connection.channel()
            channel.close_callbacks.add(closed)
            # Declared as Rasa declares it (a fanout, not durable), whichever starts first.
            exchange = await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.FANOUT)
            queue = await channel.declare_queue(exclusive=True, auto_delete=True)
            await queue.bind(exchange)
            await queue.consume(self._heard, no_ack=True)
            if lost.done():
                return
            self.connected = True
            self.connections += 1
            logger.info("following Rasa's events through the event broker")
            await lost
            logger.warning("lost the event broker; reading the tracker store until it is back")
        finally:  # bounded: at shutdown the connection's own tasks may be cancelled already
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), CLOSE_SECONDS)

    async def _heard(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        conversation = _conversation_of(message.body)
        if conversation is not None:
            self._on_event(conversation)


def _conversation_of(body: bytes) -> str | None:
    """The ``sender_id`` Rasa adds to each published event; None for anything else."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    sender = event.get("sender_id") if isinstance(event, dict) else None
    return sender if isinstance(sender, str) else None
