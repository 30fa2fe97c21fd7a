"""A Slack customer reaches an agent: the same handoff as on the website, through the Slack fake.

The customer writes to the bot in a direct message (signed Events API deliveries); the agent
works through the agent API; everything the customer sees is what the bot posted to the fake
Slack Web API. Agents are told in their own Slack channel that someone is waiting.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.e2e.conftest import AGENT_CHANNEL
from tests.e2e.desk import PASSWORD, add_agent, api
from tests.e2e.test_slack import event_body, ids, send_event
from tests.fake_slack import BOT_USER

pytestmark = pytest.mark.rasa


@pytest.mark.parametrize("where", ["direct message", "channel thread"])
def test_a_slack_customer_talks_to_an_agent_and_returns_to_the_bot(
    running_bot, fake_slack, hours, where
):
    hours("00:00-24:00")
    add_agent(running_bot, "anna")
    status, login = api(
        running_bot, "POST", "/api/login", {"username": "anna", "password": PASSWORD}
    )
    assert status == 200
    token = login["token"]
    user, channel = ids()
    thread = None
    if where == "channel thread":  # mentions in a channel are answered in a thread
        channel, thread = "C" + uuid.uuid4().hex[:8].upper(), f"{time.time():.6f}"

    def customer_says(text: str) -> None:
        if thread is None:
            send_event(running_bot, event_body(user, channel, text))
        else:
            # A reply in the customer's thread (it carries the thread's ts), mentioning the bot.
            mention = f"<@{BOT_USER}> {text}"
            body = json.loads(event_body(user, channel, mention, kind="app_mention"))
            body["event"]["thread_ts"] = thread
            send_event(running_bot, json.dumps(body).encode())

    # The customer asks for a person: queued, and the team's Slack channel hears of it.
    notices_before = len(fake_slack.messages_to(AGENT_CHANNEL))
    if thread is None:
        customer_says("I want to talk to a person")
    else:
        text = f"<@{BOT_USER}> I want to talk to a person"
        send_event(running_bot, event_body(user, channel, text, kind="app_mention", ts=thread))
    fake_slack.wait_for_text(channel, "in the queue")
    # (Other tests' customers may still wait: only what is posted from now on is this one.)
    notice = fake_slack.wait_for(AGENT_CHANNEL, count=notices_before + 1)[notices_before]
    assert notice.text.startswith("*A customer is waiting* (Slack, #")
    assert "asked for a person" in notice.text
    assert f"{running_bot.web_url}/console|Open the agent console" in notice.text

    # The agent claims it; the customer hears who joined, in their direct message.
    _, waiting = api(running_bot, "GET", "/api/handoffs?status=queued", token=token)
    conversation = "slack-" + user  # Slack's conversations are namespaced
    mine = [h for h in waiting if h["channel"] == "slack" and h["conversation_id"] == conversation]
    assert len(mine) == 1
    handoff = mine[0]["id"]
    status, _ = api(running_bot, "POST", f"/api/handoffs/{handoff}/claim", {}, token=token)
    assert status == 200
    fake_slack.wait_for_text(channel, "anna from our team has joined the chat.")

    # The customer writes; the agent sees it, and the bot keeps quiet.
    posted_before = len(fake_slack.messages_to(channel))
    customer_says("My order <FH1001> is late")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _, detail = api(running_bot, "GET", f"/api/handoffs/{handoff}", token=token)
        said = [e["text"] for e in detail["transcript"] if e.get("from") == "customer"]
        if "My order <FH1001> is late" in said:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"the agent never saw the customer's message: {said}")
    time.sleep(2)
    assert len(fake_slack.messages_to(channel)) == posted_before  # no bot reply

    # The agent's reply reaches the customer's direct message, named and escaped.
    status, _ = api(
        running_bot,
        "POST",
        f"/api/handoffs/{handoff}/messages",
        {"text": "Sorry! I'm checking <courier> now."},
        token=token,
    )
    assert status == 201
    reply = fake_slack.wait_for_text(channel, "checking")
    assert reply.text == "*anna (support team):* Sorry! I'm checking &lt;courier&gt; now."
    assert reply.thread_ts == thread  # in the customer's thread (a DM has none)

    # Closed with a note: the customer is back with the bot, which answers again.
    status, _ = api(
        running_bot,
        "POST",
        f"/api/handoffs/{handoff}/close",
        {"note": "Chased the courier"},
        token=token,
    )
    assert status == 200
    fake_slack.wait_for_text(channel, "anna has closed the chat.")
    customer_says("how do I return an item?")
    fake_slack.wait_for_text(channel, "Did that answer your question?")
