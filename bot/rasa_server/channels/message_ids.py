"""Which messages a chat page re-sent: one a client sends again after a lost connection (the
same ``client_message_id`` in its metadata) is acknowledged but not processed twice.

On one box the ids are remembered by the Rasa process (``RecentIds``: the last 10,000; a
re-send arrives within seconds, to the same server). In a cluster a re-send may reach another
replica (the first one died, the load balancer moved the page), so the replicas share them in
Redis (``SharedMessageIds``), in two steps: a message is marked *being processed* (for
``PROCESSING_SECONDS``) before it is handled and *done* (for an hour) after. A re-send of a
done message is only acknowledged; a re-send of one still being processed waits until it is
done, or, when the mark lapses because the server handling it died, is handled itself: so a
message is neither answered twice nor lost with the server that had it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Protocol

from redis import asyncio as aioredis  # type: ignore[import-untyped]
from redis.exceptions import RedisError  # type: ignore[import-untyped]

logger = logging.getLogger(__name__)

#: How many (session, client message id) pairs one process remembers.
RECENT_MESSAGE_IDS = 10_000
#: How long (seconds) Redis remembers a handled message's id.
SHARED_FOR_SECONDS = 3600
#: How long a message may be in hand before another server may take it over (Rasa gives up
#: a conversation's lock after 60 s, so a dead server's turn is free by then too).
PROCESSING_SECONDS = 65
#: How often a re-send waiting for the first copy's turn looks again (seconds).
WAIT_STEP = 0.5


class MessageIds(Protocol):
    async def first_time(self, session_id: str, message_id: str) -> bool:
        """Take the message on; False if it was handled (or is handled meanwhile) elsewhere."""
        ...

    async def done(self, session_id: str, message_id: str) -> None:
        """The message has been handled."""
        ...


class RecentIds:
    """A bounded set that forgets the oldest entries first."""

    def __init__(self, capacity: int = RECENT_MESSAGE_IDS) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def add(self, key: tuple[str, str]) -> bool:
        """Remember ``key``; False if it was already there."""
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True

    async def first_time(self, session_id: str, message_id: str) -> bool:
        return self.add((session_id, message_id))

    async def done(self, session_id: str, message_id: str) -> None:
        pass


class SharedMessageIds:
    """The ids in Redis, shared by every replica (``SET NX``: one replica wins)."""

    def __init__(self, redis_url: str, *, processing_seconds: float = PROCESSING_SECONDS) -> None:
        self._redis = aioredis.Redis.from_url(redis_url, socket_timeout=2)
        self._processing = processing_seconds

    @staticmethod
    def _key(session_id: str, message_id: str) -> str:
        return f"supportbot:message:{session_id}:{message_id[:100]}"

    async def first_time(self, session_id: str, message_id: str) -> bool:
        key = self._key(session_id, message_id)
        try:
            while True:
                ttl = max(1, round(self._processing))
                if await self._redis.set(key, "processing", nx=True, ex=ttl):
                    return True
                state = await self._redis.get(key)
                if state == b"done":
                    return False
                if state is None:
                    continue  # the mark lapsed just now: try to take it
                await asyncio.sleep(WAIT_STEP)  # another server has it in hand
        except (RedisError, OSError):
            # Better to answer a re-sent message twice than to drop a new one.
            logger.warning("Redis is unreachable: re-sent messages cannot be recognised now")
            return True

    async def done(self, session_id: str, message_id: str) -> None:
        try:
            await self._redis.set(self._key(session_id, message_id), "done", ex=SHARED_FOR_SECONDS)
        except (RedisError, OSError):
            logger.warning("Redis is unreachable: a re-send of this message may be answered again")


def message_ids(redis_url: str | None) -> MessageIds:
    return SharedMessageIds(redis_url) if redis_url else RecentIds()
