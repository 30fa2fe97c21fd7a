"""A support desk on the test's own databases, with Rasa replaced by a recording fake."""

from __future__ import annotations

from pathlib import Path

from bot.desk.canned import CannedReplies
from bot.desk.delivery import OutboxDelivery
from bot.desk.desk import SupportDesk
from bot.desk.feed import DeskFeed
from bot.services import Services
from bot.settings import Settings
from bot.storage.handoffs import SqlHandoffQueue
from bot.storage.tracker import ConversationStore
from bot.web.app import DeskParts
from tests.conftest import OPEN_TIME
from tests.fakes import FakeRasaApi, FixedClock

PASSWORD = "a long enough password"


def desk_parts(settings: Settings, tmp_path: Path) -> DeskParts:
    """Agents anna and ben, lead lea (password ``PASSWORD``), the clock at ``OPEN_TIME``."""
    clock = FixedClock(OPEN_TIME)
    services = Services(settings, clock=clock)
    accounts = services.accounts()
    for name, role in [("anna", "agent"), ("ben", "agent"), ("lea", "lead")]:
        accounts.add(name, PASSWORD, role, now=OPEN_TIME)
    rasa = FakeRasaApi()
    outbox = services.outbox()
    desk = SupportDesk(
        services.handoff_queue,
        ConversationStore(f"sqlite:///{tmp_path / 'tracker.db'}"),
        outbox,
        OutboxDelivery(outbox, rasa, clock=clock),
        services.customer_activity(),
        facts=services.business_facts,
        clock=clock,
        complaints=services.complaints,
    )
    return DeskParts(
        accounts=accounts,
        desk=desk,
        feed=DeskFeed(desk),
        canned=CannedReplies(settings.canned_replies_file, services.business_facts),
        clock=clock,
        complaints=services.complaints,
        followups=services.followups,
    )


def queue_of(parts: DeskParts) -> SqlHandoffQueue:
    return parts.desk.queue


def waiting_customer(parts: DeskParts, conversation: str, priority: str = "normal") -> str:
    handoff = queue_of(parts).request(
        conversation,
        channel="socketio",
        reason="asked for a person",
        priority=priority,
        actor="customer",
        now=OPEN_TIME,
    )
    return handoff.id
