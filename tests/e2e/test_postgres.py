"""The whole product on PostgreSQL: ``supportbot run`` with both URLs pointing at PostgreSQL
databases that start empty (as the README's PostgreSQL section sets them up). A customer is
answered and the conversation lands in the PostgreSQL tracker store; a customer asks for a
person, an agent claims, writes and closes through the agent API, the bot answers again; the
day's report reads it all back. Nothing is written to SQLite files."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import datetime
from pathlib import Path

import pytest

from bot.business import load_business_facts
from bot.storage.handoffs import SqlHandoffQueue
from bot.storage.tracker import ConversationStore
from tests.databases import fresh_postgres
from tests.e2e.conftest import start_product
from tests.e2e.desk import PASSWORD, add_agent, api, set_hours
from tests.e2e.test_running_bot import new_sender, texts
from tests.integration.conftest import supportbot

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def bot_on_postgres(tmp_path_factory):
    with (
        fresh_postgres("e2e_desk", migrated=False) as desk,
        fresh_postgres("e2e_tracker", migrated=False) as tracker,
    ):
        yield from start_product(
            tmp_path_factory.mktemp("on-postgres"),
            {"SUPPORTBOT_DATABASE_URL": desk, "SUPPORTBOT_TRACKER_URL": tracker},
        )


def test_a_customer_is_answered_and_the_conversation_is_stored_in_postgresql(bot_on_postgres):
    sender = new_sender()

    replies = bot_on_postgres.say(sender, "how do I return an item?")

    assert "Did that answer your question?" in texts(replies)
    store = ConversationStore(bot_on_postgres.env["SUPPORTBOT_TRACKER_URL"])
    said = [e.get("text") for e in store.events(sender) if e["event"] == "user"]
    assert said == ["how do I return an item?"]
    assert "database schema upgraded from none to" in bot_on_postgres.log()
    assert not list(bot_on_postgres.data_dir.glob("*.db"))  # no SQLite anywhere


def test_a_handoff_on_postgresql_goes_through_the_agent_api_and_back_to_the_bot(
    bot_on_postgres,
):
    bot = bot_on_postgres
    set_hours(bot.kb_dir, "00:00-24:00")
    add_agent(bot, "pia")
    status, login = api(bot, "POST", "/api/login", {"username": "pia", "password": PASSWORD})
    assert status == 200, login
    token = login["token"]
    sender = new_sender()

    queued = bot.say(sender, "I want to talk to a person")

    assert "in the queue" in texts(queued)
    _, waiting = api(bot, "GET", "/api/handoffs?status=queued", token=token)
    (mine,) = [h for h in waiting if h["conversation_id"] == sender]
    assert mine["position"] == 1 and mine["status"] == "queued"
    status, _ = api(bot, "POST", f"/api/handoffs/{mine['id']}/claim", {}, token=token)
    assert status == 200
    assert bot.say(sender, "my parcel never came") == []  # the bot keeps quiet
    status, _ = api(
        bot, "POST", f"/api/handoffs/{mine['id']}/messages", {"text": "Let me look."}, token=token
    )
    assert status == 201
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _, detail = api(bot, "GET", f"/api/handoffs/{mine['id']}", token=token)
        said = [(e.get("from"), e.get("text")) for e in detail["transcript"]]
        if ("customer", "my parcel never came") in said and ("agent", "Let me look.") in said:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"the transcript lacks the chat: {said}")
    status, _ = api(
        bot, "POST", f"/api/handoffs/{mine['id']}/close", {"note": "Resent"}, token=token
    )
    assert status == 200

    again = bot.say(sender, "how long does delivery take?")

    assert "Did that answer your question?" in texts(again)
    queue = SqlHandoffQueue(bot.env["SUPPORTBOT_DATABASE_URL"])
    assert [t.action.value for t in queue.history(mine["id"])] == ["request", "claim", "close"]

    # The day's report reads the same databases.
    zone = load_business_facts(bot.kb_dir / "business.yml").hours.zone
    today = datetime.now(zone).date().isoformat()
    report = supportbot(
        "report", "--date", today, "--format", "json", env={**os.environ, **bot.env}
    )
    assert report.returncode == 0, report.stderr
    figures = json.loads(report.stdout.splitlines()[-1])
    assert figures["conversations"] >= 2
    assert (
        figures["handoff_reasons"].get("asked for a person", 0) >= 1 or figures["handoff_rate"] > 0
    )


def rasa_server_pid(bot) -> int:
    port = bot.rasa_url.rsplit(":", 1)[1].encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"run" in cmdline and b"--enable-api" in cmdline and port in cmdline:
            return int(proc.name)
    raise AssertionError("Rasa server process not found")


def wait_for(check, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(1)
    pytest.fail(f"waited {seconds:.0f} s for {what}")


def test_rasa_down_while_an_agent_closes_then_back_the_bot_answers_again(bot_on_postgres):
    bot = bot_on_postgres
    set_hours(bot.kb_dir, "00:00-24:00")
    add_agent(bot, "pia")
    _, login = api(bot, "POST", "/api/login", {"username": "pia", "password": PASSWORD})
    token = login["token"]
    sender = new_sender()
    bot.say(sender, "I want to talk to a person")
    _, waiting = api(bot, "GET", "/api/handoffs?status=queued", token=token)
    (mine,) = [h for h in waiting if h["conversation_id"] == sender]
    api(bot, "POST", f"/api/handoffs/{mine['id']}/claim", {}, token=token)
    store = ConversationStore(bot.env["SUPPORTBOT_TRACKER_URL"])

    def recorded_status() -> str | None:
        slots = [e for e in store.events(sender) if e.get("name") == "handoff"]
        return (slots[-1].get("value") or {}).get("status") if slots else None

    wait_for(lambda: recorded_status() == "assigned", seconds=30, what="the claim")

    os.kill(rasa_server_pid(bot), signal.SIGKILL)
    status, _ = api(
        bot, "POST", f"/api/handoffs/{mine['id']}/close", {"note": "Sorted"}, token=token
    )

    assert status == 200  # the desk's change stands while Rasa is down
    assert recorded_status() == "assigned"
    # The supervisor restarts Rasa; the desk delivers the close when it is back.
    wait_for(lambda: "Rasa server is back" in bot.log(), seconds=240, what="Rasa's restart")
    wait_for(lambda: recorded_status() == "closed", seconds=90, what="the close to arrive")
    replies = bot.say(sender, "how long does delivery take?")
    assert "Did that answer your question?" in texts(replies)
