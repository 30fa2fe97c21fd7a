from __future__ import annotations

import asyncio
import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bot.attachments import checked
from bot.handoff.lifecycle import Action
from bot.rasa_server.channels.identity import MAX_METADATA_VALUE, clean_metadata, valid_session_id
from bot.rasa_server.channels.message_ids import RecentIds
from bot.rasa_server.channels.socketio import (
    OpenPages,
    _sent_file,
    keep_pages_open,
    page_closed,
)
from bot.storage.activity import SqlCustomerActivity
from bot.storage.attachments import SqlAttachments
from bot.storage.handoffs import SqlHandoffQueue
from tests.conftest import OPEN_TIME


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("0123456789abcdef0123456789abcdef", True),
        ("0123456789ABCDEF0123456789ABCDEF", False),
        ("admin", False),
        ("0123456789abcdef0123456789abcde", False),
        ("0123456789abcdef0123456789abcdef\n", False),
        (None, False),
        (12345, False),
    ],
)
def test_only_session_ids_we_issue_are_accepted(value, valid):
    assert (valid_session_id(value) is not None) is valid


def test_metadata_keeps_short_plain_values_only():
    cleaned = clean_metadata(
        {
            "page_url": "https://shop.example/boots",
            "customer_id": 42,
            "vip": True,
            "nested": {"a": 1},
            "list": [1, 2],
            "long": "x" * (MAX_METADATA_VALUE + 10),
            7: "numeric key",
        }
    )

    assert cleaned == {
        "page_url": "https://shop.example/boots",
        "customer_id": 42,
        "vip": True,
        "long": "x" * MAX_METADATA_VALUE,
    }


@pytest.mark.parametrize("value", ['{"page_url": "u"}', "not json", 5, None])
def test_metadata_as_a_json_string_is_read_and_anything_else_dropped(value):
    assert clean_metadata(value) == ({"page_url": "u"} if value == '{"page_url": "u"}' else {})


def test_recent_ids_remember_a_bounded_number():
    recent = RecentIds(capacity=2)

    assert recent.add(("s", "1")) is True
    assert recent.add(("s", "1")) is False
    recent.add(("s", "2"))
    recent.add(("s", "3"))

    assert recent.add(("s", "1")) is True  # the oldest was forgotten


def test_a_conversation_is_left_when_its_last_open_page_closes():
    pages = OpenPages()
    pages.opened("tab1", "conv")
    pages.opened("tab2", "conv")

    assert pages.session_of("tab2") == "conv"
    assert pages.closed("tab1") is None  # another tab still shows the conversation
    assert pages.closed("tab2") == "conv"
    assert pages.closed("tab2") is None  # a second disconnect of the same page
    assert pages.session_of("tab2") is None


def test_a_page_that_switches_conversation_leaves_the_old_one():
    pages = OpenPages()
    assert pages.opened("tab", "old") is None
    assert pages.opened("tab", "old") is None  # asked twice: still there
    assert pages.opened("tab", "new") == "old"  # its last page: recorded as closed
    pages.opened("other-tab", "new")
    assert pages.opened("other-tab", "third") is None  # "new" still has "tab"

    assert pages.session_of("tab") == "new"
    assert pages.closed("tab") == "new"


def test_activity_is_recorded_only_for_conversations_with_the_team(database_url):
    activity = SqlCustomerActivity(database_url)
    assert activity.wanted("c1") is False  # no handoff was ever requested: no table yet
    queue = SqlHandoffQueue(database_url)
    handoff = queue.request(
        "c1", channel="socketio", reason="r", priority="normal", actor="customer", now=OPEN_TIME
    )
    assert activity.wanted("c1") is True and activity.wanted("c2") is False

    activity.typed("c1", now=OPEN_TIME)
    seen = activity.of(["c1", "c2"])["c1"]
    assert seen.typing(OPEN_TIME + timedelta(seconds=3), within_seconds=5)
    assert not seen.typing(OPEN_TIME + timedelta(seconds=6), within_seconds=5)
    assert seen.gone_for(OPEN_TIME) is None

    activity.left("c1", now=OPEN_TIME)
    assert activity.of(["c1"])["c1"].gone_for(OPEN_TIME + timedelta(seconds=90)) == 90
    activity.back("c1")
    assert activity.of(["c1"])["c1"].gone_for(OPEN_TIME + timedelta(seconds=90)) is None

    queue.end(handoff.id, Action.CANCEL, actor="customer", now=OPEN_TIME)
    assert activity.wanted("c1") is False


def test_a_closed_page_is_recorded_even_when_its_request_is_cancelled(database_url):
    """Sanic cancels the request of a client that went away, and the page's disconnect
    runs inside it; with every worker thread busy, the cancel came before the write."""
    activity = SqlCustomerActivity(database_url)

    async def script() -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=1))
        gate = threading.Event()
        busy = loop.run_in_executor(None, gate.wait)  # the only worker thread is busy
        closing = asyncio.create_task(page_closed(activity, "c1"))
        await asyncio.sleep(0.05)
        closing.cancel()
        gate.set()
        await busy
        with contextlib.suppress(asyncio.CancelledError):
            await closing
        for _ in range(200):  # the write goes on without the request
            if "c1" in await asyncio.to_thread(activity.of, ["c1"]):
                return
            await asyncio.sleep(0.02)

    asyncio.run(script())
    seen = activity.of(["c1"])["c1"]
    assert seen.gone_for(OPEN_TIME + timedelta(days=3650)) is not None


def test_a_page_open_on_another_server_keeps_the_conversation_open(database_url):
    """Two tabs on two Rasa servers: one closes (its server records the conversation left);
    the other server, which still has a page of it, marks it open again, but not a closing
    recorded after it looked (that may be its own last page closing)."""
    activity = SqlCustomerActivity(database_url)
    activity.left("c1", now=OPEN_TIME)  # a tab on another server closed
    activity.left("c2", now=OPEN_TIME + timedelta(seconds=9))  # about when it looked
    assert activity.still_open(["c1", "c2", "c3"], before=OPEN_TIME + timedelta(seconds=10)) == 1
    later = OPEN_TIME + timedelta(seconds=60)
    seen = activity.of(["c1", "c2"])
    assert seen["c1"].gone_for(later) is None
    assert seen["c2"].gone_for(later) == 51  # kept: the other server's clock may be behind
    assert activity.still_open([], before=later) == 0


def test_each_server_keeps_saying_which_conversations_it_has_a_page_of(database_url, monkeypatch):
    monkeypatch.setattr("bot.rasa_server.channels.socketio.OPEN_PAGES_EVERY", 0.01)
    activity = SqlCustomerActivity(database_url)
    pages = OpenPages()
    pages.opened("tab-here", "c1")
    closed_at = datetime.now(UTC) - timedelta(minutes=1)
    activity.left("c1", now=closed_at)  # its tab on another server closed

    async def script() -> None:
        keeper = asyncio.create_task(keep_pages_open(pages, activity))
        try:
            for _ in range(200):
                await asyncio.sleep(0.02)
                if (await asyncio.to_thread(activity.of, ["c1"]))["c1"].left_at is None:
                    return
        finally:
            keeper.cancel()

    asyncio.run(script())
    assert activity.of(["c1"])["c1"].gone_for(closed_at) is None


FILE_METADATA = {
    "file": "e" * 32,
    "file_name": "label.pdf",
    "file_type": "application/pdf",
    "file_size": 120,
}
FILE_JSON = {"id": "e" * 32, "name": "label.pdf", "type": "application/pdf", "size": 120}


def test_a_message_keeps_only_a_file_of_its_own_conversation(desk_url):
    files = SqlAttachments(desk_url)
    pdf = b"%PDF-1.7 label"
    mine = checked("label.pdf", pdf)
    files.add("a" * 32, mine, pdf, sender="customer", now=datetime.now(UTC))

    async def sent(session_id: str, given: object) -> object:
        return await _sent_file(files, session_id, given)

    assert asyncio.run(sent("a" * 32, {"file": mine.id, "file_name": "x.exe"})) == mine
    assert asyncio.run(sent("b" * 32, {"file": mine.id})) is None  # another conversation's
    assert asyncio.run(sent("a" * 32, {"file": "../../etc"})) is None
    assert asyncio.run(sent("a" * 32, "no metadata")) is None
    agents = checked("label.pdf", pdf)  # the agent's file: not the customer's to send
    files.add("a" * 32, agents, pdf, sender="agent:anna", now=datetime.now(UTC))
    assert asyncio.run(sent("a" * 32, {"file": agents.id})) is None


class RecordingServer:
    """Stands in for python-socketio's server: keeps what would be emitted."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, dict, str]] = []

    async def emit(self, event: str, data: dict, room: str, **_: object) -> None:
        self.emitted.append((event, data, room))


@pytest.mark.parametrize(
    ("metadata", "payloads"),
    [
        ({}, [{"text": "Hi there"}]),
        ({"live_agent": "anna"}, [{"text": "Hi there", "live_agent": "anna"}]),
        ({"live_agent": ""}, [{"text": "Hi there", "live_agent": ""}]),
        (
            {"agent": "anna", "live_agent": "anna"},
            [{"text": "Hi there", "agent": "anna", "live_agent": "anna"}],
        ),
        (  # an agent's file: described in the one message it came with
            {"agent": "anna", **FILE_METADATA},
            [{"text": "Hi there", "agent": "anna", "file": FILE_JSON}],
        ),
    ],
)
def test_desk_messages_tell_the_widget_who_the_customer_chats_with(metadata, payloads):
    from bot.rasa_server.channels.socketio import CountingSocketIOOutput

    server = RecordingServer()
    output = CountingSocketIOOutput(server, "bot_uttered")  # type: ignore[arg-type]

    asyncio.run(output.send_text_message("room1", "Hi there", **metadata))

    assert [data for _event, data, _room in server.emitted] == payloads
