"""The desk's timed work runs in one web process at a time (the lease), and a notice to the
agents' Slack channel goes out once however many processes see the change."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import bot.desk.duty as duty_module
from bot.desk.duty import LEASE, LEASE_SECONDS, Duty
from bot.desk.feed import DeskFeed
from bot.handoff.model import Presence
from bot.storage.leases import SqlLeases
from bot.storage.slack_events import SqlSlackEventLog
from tests.conftest import OPEN_TIME
from tests.desk_parts import desk_parts, queue_of, waiting_customer
from tests.fakes import FakeRasaApi

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_a_lease_has_one_holder_until_it_expires_or_is_given_up(database_url):
    leases = SqlLeases(database_url)
    assert leases.hold("work", "a", now=T0, seconds=10)
    assert not leases.hold("work", "b", now=T0 + timedelta(seconds=5), seconds=10)
    assert leases.hold("work", "a", now=T0 + timedelta(seconds=9), seconds=10)  # renewed
    assert not leases.hold("work", "b", now=T0 + timedelta(seconds=15), seconds=10)
    assert leases.holder("work", now=T0 + timedelta(seconds=15)) == ("a", T0)

    later = T0 + timedelta(seconds=20)  # a stopped renewing at 9 s: expired at 19 s
    assert leases.holder("work", now=later) is None
    assert leases.hold("work", "b", now=later, seconds=10)
    assert leases.holder("work", now=later) == ("b", later)
    assert not leases.hold("work", "a", now=later, seconds=10)

    leases.release("work", "a", now=later)  # not a's to give up: nothing changes
    assert leases.holder("work", now=later) == ("b", later)
    leases.release("work", "b", now=later)
    assert leases.hold("work", "c", now=later, seconds=10)  # at once, no waiting


def test_of_many_processes_asking_at_once_exactly_one_gets_the_lease(database_url):
    leases = SqlLeases(database_url)
    start = threading.Barrier(8)
    won: list[str] = []

    def ask(name: str) -> None:
        start.wait()
        if leases.hold("work", name, now=T0, seconds=10):
            won.append(name)

    threads = [threading.Thread(target=ask, args=(f"p{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


def test_a_holder_asking_twice_at_once_keeps_its_lease(database_url):
    """The renewing task and the feed of one process may ask at the same moment."""
    leases = SqlLeases(database_url)

    def twice_at_once(name: str) -> list[bool]:
        start = threading.Barrier(2)
        answers: list[bool] = []

        def ask() -> None:
            start.wait()
            answers.append(leases.hold(name, "same", now=T0, seconds=10))

        threads = [threading.Thread(target=ask) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers

    for round_ in range(5):
        assert twice_at_once(f"work{round_}") == [True, True]


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_duty_passes_to_another_process_when_the_holder_stops_renewing(database_url):
    wall = [T0]
    ticks = Ticking()
    leases = SqlLeases(database_url)
    first = Duty(leases, holder="first", clock=lambda: wall[0], monotonic=ticks)
    second = Duty(leases, holder="second", clock=lambda: wall[0], monotonic=ticks)

    async def run() -> list[bool]:
        seen = [await first.mine(), await second.mine()]
        wall[0] += timedelta(seconds=LEASE_SECONDS + 1)  # first has died: no renewal
        ticks.now += LEASE_SECONDS + 1
        seen.append(await second.mine())
        await second.give_up()  # a clean stop
        seen.append(await first.mine())
        return seen

    assert asyncio.run(run()) == [True, False, True, True]
    assert leases.holder(LEASE, now=wall[0]) == ("first", wall[0])


class BrokenLeases(SqlLeases):
    def __init__(self) -> None:
        pass

    def hold(self, *args: object, **kwargs: object) -> bool:
        raise OSError("the database is away")


def test_without_the_database_no_process_believes_it_is_on_duty():
    assert asyncio.run(Duty(BrokenLeases()).mine()) is False


class RecordingNotice:
    """Stands in for the agents' Slack channel."""

    def __init__(self) -> None:
        self.waiting_sent: list[str] = []

    async def waiting(self, handoff, position) -> None:
        self.waiting_sent.append(handoff.conversation_id)

    async def follow_up(self, item) -> None:
        raise AssertionError("no follow-ups in this test")


def test_two_web_processes_tell_a_customer_and_the_team_once(settings, tmp_path):
    parts = desk_parts(settings, tmp_path)
    queue = queue_of(parts)
    url = settings.database_url
    slack = RecordingNotice()
    feeds = [
        DeskFeed(
            parts.desk,
            slack_notice=slack,  # type: ignore[arg-type]
            duty=Duty(SqlLeases(url), holder=name),
            notices=SqlSlackEventLog(url),
        )
        for name in ("web-1", "web-2")
    ]
    rasa: FakeRasaApi = parts.desk.delivery.rasa  # type: ignore[assignment]

    async def run() -> None:
        for feed in feeds:
            await feed.start()
        first = waiting_customer(parts, "c1")
        waiting_customer(parts, "c2")
        queue.set_presence("anna", Presence.ONLINE, capacity=1, now=OPEN_TIME)
        for feed in feeds:
            await feed.tick()  # both see the two new waiting customers
        queue.claim(first, "anna", now=OPEN_TIME)
        for feed in feeds:
            await feed.tick()  # c2 moved up: told once, by the process on duty

        await feeds[0].stop()  # the holder stops cleanly; the other takes over at once
        waiting_customer(parts, "c3")
        await feeds[1].tick()  # c3 heard its place when it queued
        queue.set_presence("ben", Presence.ONLINE, capacity=1, now=OPEN_TIME)
        queue.claim(queue.waiting()[0].id, "ben", now=OPEN_TIME)
        await feeds[1].tick()

    asyncio.run(run())
    assert slack.waiting_sent == ["c1", "c2", "c3"]
    next_in_line = (
        "Still waiting for the team: you're next in the queue. The wait is about 6 minutes."
    )
    assert rasa.texts("c2") == [next_in_line]
    [told_c3] = rasa.texts("c3")  # by the process that took over (two agents now: shorter)
    assert told_c3.startswith("Still waiting for the team: you're next in the queue.")


def test_the_lease_is_renewed_on_time_while_the_holder_is_busy(database_url, monkeypatch):
    monkeypatch.setattr(duty_module, "RENEW_AFTER", 0.2)
    monkeypatch.setattr(duty_module, "LEASE_SECONDS", 0.6)
    leases = SqlLeases(database_url)
    busy, standby = Duty(leases, holder="busy"), Duty(leases, holder="standby")

    async def run() -> list[bool]:
        assert await busy.mine()
        keeping = asyncio.create_task(busy.keep())
        await asyncio.sleep(1.5)  # a long tick: more than two lease lifetimes
        during = await standby.mine()
        keeping.cancel()
        await asyncio.sleep(1.0)  # the holder is gone: nobody renews
        return [during, await standby.mine()]

    assert asyncio.run(run()) == [False, True]
