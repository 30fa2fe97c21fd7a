"""A support desk on the test's own databases, with Rasa replaced by a recording fake."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.desk.canned import CannedReplies
from bot.desk.delivery import OutboxDelivery
from bot.desk.desk import SupportDesk
from bot.desk.feed import DeskFeed
from bot.desk.files import ChatFiles
from bot.services import Services
from bot.settings import Settings
from bot.storage.handoffs import SqlHandoffQueue
from bot.storage.tracker import ConversationStore
from bot.web.app import DeskParts, create_app
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
        files=ChatFiles(desk, services.attachments(), clock=clock),
    )


def queue_of(parts: DeskParts) -> SqlHandoffQueue:
    return parts.desk.queue


def waiting_customer(
    parts: DeskParts, conversation: str, priority: str = "normal", language: str | None = None
) -> str:
    handoff = queue_of(parts).request(
        conversation,
        channel="socketio",
        reason="asked for a person",
        priority=priority,
        actor="customer",
        now=OPEN_TIME,
        language=language,
    )
    return handoff.id


def session(settings: Settings, parts: DeskParts, script: Any) -> Any:
    """Run ``script(client, login)`` against a fresh web app with this desk; ``login(name)``
    signs a user in and gives the auth headers."""

    async def run() -> Any:
        app = create_app(settings, store=parts.desk.store, company="Fernhill", desk=parts)
        async with TestClient(TestServer(app)) as client:

            async def login(name: str) -> dict[str, str]:
                reply = await client.post(
                    "/api/login", json={"username": name, "password": PASSWORD}
                )
                assert reply.status == 200
                return {"Authorization": f"Bearer {(await reply.json())['token']}"}

            return await script(client, login)

    return asyncio.run(run())
