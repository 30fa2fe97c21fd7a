"""Re-sent chat messages shared by the Rasa servers of a cluster, on a real Redis: a re-send
of a handled message is only acknowledged, one of a message still in hand waits for it, and
one whose server died while handling it is handled again (not lost)."""

from __future__ import annotations

import asyncio
import uuid

from bot.rasa_server.channels.message_ids import RecentIds, SharedMessageIds
from tests.databases import redis_url


def test_a_handled_message_is_not_handled_again_by_another_server():
    url = redis_url()

    async def run() -> list[bool]:
        first, second = SharedMessageIds(url), SharedMessageIds(url)
        session, message = uuid.uuid4().hex, uuid.uuid4().hex
        taken = await first.first_time(session, message)
        waiting = asyncio.create_task(second.first_time(session, message))
        await asyncio.sleep(1.2)
        in_hand = not waiting.done()  # the re-send waits while the first copy is handled
        await first.done(session, message)
        return [taken, in_hand, await waiting, await first.first_time(session, message)]

    assert asyncio.run(run()) == [True, True, False, False]


def test_a_message_whose_server_died_while_handling_it_is_handled_by_another():
    url = redis_url()

    async def run() -> list[bool]:
        dead = SharedMessageIds(url, processing_seconds=1)
        other = SharedMessageIds(url, processing_seconds=1)
        session, message = uuid.uuid4().hex, uuid.uuid4().hex
        taken = await dead.first_time(session, message)  # ... and never says it is done
        again = await asyncio.wait_for(other.first_time(session, message), 10)
        return [taken, again]

    assert asyncio.run(run()) == [True, True]


def test_without_redis_a_new_message_is_never_dropped():
    async def run() -> bool:
        unreachable = SharedMessageIds("redis://127.0.0.1:1/0")
        return await unreachable.first_time(uuid.uuid4().hex, uuid.uuid4().hex)

    assert asyncio.run(run()) is True


def test_one_box_remembers_ids_itself():
    async def run() -> list[bool]:
        recent = RecentIds()
        return [await recent.first_time("s", "m"), await recent.first_time("s", "m")]

    assert asyncio.run(run()) == [True, False]
