"""``Duty``: whether this web process is the one that does the desk's timed work now.

Every web process serves consoles and the agent API, but the timed work — delivering what
Rasa could not take, mending conversations, auto-assignment, abandonment, wait updates,
absent agents, follow-up notices, the daily report, review mining — must run once, not once
per process. The process holding the ``desk-duty`` lease does it; the others check again on
every tick and take over within ``LEASE_SECONDS`` when the holder stops renewing (it died,
or lost the database). On a clean stop the holder gives the lease up at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from bot.storage.leases import SqlLeases

logger = logging.getLogger(__name__)

LEASE = "desk-duty"
#: How long a lease lasts without renewal: the longest the timed work pauses after its
#: process dies.
LEASE_SECONDS = 10.0
#: A held lease is renewed when this much of it has passed.
RENEW_AFTER = 3.0


def holder_name() -> str:
    """This process, as the lease records it (host, pid, and a random part for restarts)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Duty:
    def __init__(
        self,
        leases: SqlLeases,
        *,
        holder: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.leases = leases
        self.holder = holder or holder_name()
        self._clock = clock
        self._monotonic = monotonic
        self._held_since: float | None = None  # when the lease was last renewed (monotonic)
        self._was_mine = False
        self._asking = asyncio.Lock()

    async def mine(self) -> bool:
        """True while this process holds the lease (renewed every ``RENEW_AFTER`` seconds)."""
        async with self._asking:  # the renewing task and the feed ask one at a time
            return await self._ask()

    async def _ask(self) -> bool:
        renewed = self._held_since
        if renewed is not None and self._monotonic() - renewed < RENEW_AFTER:
            return True
        asked = self._monotonic()
        try:
            held = await asyncio.to_thread(
                self.leases.hold, LEASE, self.holder, now=self._clock(), seconds=LEASE_SECONDS
            )
        except Exception:  # the database is away: not sure it is ours, so do not act on it
            logger.exception("could not renew the desk's lease")
            held = False
        self._held_since = asked if held else None
        if held != self._was_mine:
            logger.info(
                "this process %s the desk's timed work (%s)",
                "now does" if held else "no longer does",
                self.holder,
            )
            self._was_mine = held
        return held

    async def keep(self) -> None:
        """Renew the lease on time whatever else the process is doing (a long tick of the
        feed must not let it lapse while its work still runs)."""
        while True:
            await self.mine()
            await asyncio.sleep(RENEW_AFTER / 3)

    async def give_up(self) -> None:
        if self._held_since is None:
            return
        self._held_since = None
        try:
            await asyncio.to_thread(self.leases.release, LEASE, self.holder, now=self._clock())
        except Exception:
            logger.exception("could not give up the desk's lease (it expires by itself)")
