"""Which messages a chat page re-sent: one a client sends again after a lost connection (the
same ``client_message_id`` in its metadata) is acknowledged but not processed twice.

On one box the ids are remembered by the Rasa process (``RecentIds``: the last 10,000; a
re-send arrives within seconds, to the same server). In a cluster a re-send may reach another
replica (the first one died, the load balancer moved the page), so the replicas share them in
Redis (``SharedMessageIds``: each id kept for an hour).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Protocol

from redis import asyncio as aioredis  # type: ignore[import-untyped]
from redis.exceptions import RedisError  # type: ignore[import-untyped]

logger = logging.getLogger(__name__)

#: How many (session, client message id) pairs one process remembers.
RECENT_MESSAGE_IDS = 10_000
#: How long (seconds) Redis remembers an id.
SHARED_FOR_SECONDS = 3600


class MessageIds(Protocol):
    async def first_time(self, session_id: str, message_id: str) -> bool:
        """Remember the id; False if it was seen before (a re-send)."""
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


class SharedMessageIds:
    """The ids in Redis, shared by every replica (``SET NX``: one replica wins)."""

    def __init__(self, redis_url: str) -> None:
        self._redis = aioredis.Redis.from_url(redis_url, socket_timeout=2)

    async def first_time(self, session_id: str, message_id: str) -> bool:
        key = f"supportbot:message:{session_id}:{message_id[:100]}"
        try:
            return bool(await self._redis.set(key, 1, nx=True, ex=SHARED_FOR_SECONDS))
        except (RedisError, OSError):
            # Better to answer a re-sent message twice than to drop a new one.
            logger.warning("Redis is unreachable: re-sent messages cannot be recognised now")
            return True


def message_ids(redis_url: str | None) -> MessageIds:
    return SharedMessageIds(redis_url) if redis_url else RecentIds()
