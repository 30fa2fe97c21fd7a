"""A Slack customer reaches an agent: the same handoff as on the website, through the Slack fake.

The customer writes to the bot in a direct message (signed Events API deliveries); the agent
works through the agent API; everything the customer sees is what the bot posted to the fake
Slack Web API. Agents are told in their own Slack channel that someone is waiting.
"""

from __future__ import annotations

import json
import time
import urllib.request
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


def test_files_go_both_ways_between_a_slack_customer_and_their_agent(
    running_bot, fake_slack, hours
):
    hours("00:00-24:00")
    add_agent(running_bot, "anna")
    _, login = api(running_bot, "POST", "/api/login", {"username": "anna", "password": PASSWORD})
    token = login["token"]
    user, channel = ids()
    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40

    def shares(name: str, data: bytes, text: str = "") -> None:
        body = json.loads(event_body(user, channel, text))
        body["event"]["subtype"] = "file_share"
        body["event"]["files"] = [fake_slack.host_file(name, "image/png", data)]
        send_event(running_bot, json.dumps(body).encode())

    # Before a person has the chat, a file is not taken: the customer is told why.
    shares("zip.png", photo)
    fake_slack.wait_for_text(channel, "they reach our team while you chat with a person")

    send_event(running_bot, event_body(user, channel, "I want to talk to a person"))
    fake_slack.wait_for_text(channel, "in the queue")
    _, waiting = api(running_bot, "GET", "/api/handoffs?status=queued", token=token)
    handoff = next(h["id"] for h in waiting if h["conversation_id"] == "slack-" + user)
    api(running_bot, "POST", f"/api/handoffs/{handoff}/claim", {}, token=token)
    fake_slack.wait_for_text(channel, "anna from our team has joined the chat.")

    # The customer shares a photo with a comment, and a file that is not an image.
    shares("zip.png", photo, "this is the broken zip")
    shares("notes.html", b"<script>alert(1)</script>")
    fake_slack.wait_for_text(channel, "notes.html was not passed on: this kind of file")
    deadline = time.monotonic() + 30
    files: list = []
    while time.monotonic() < deadline and not files:
        _, detail = api(running_bot, "GET", f"/api/handoffs/{handoff}", token=token)
        files = [e for e in detail["transcript"] if e.get("file")]
        time.sleep(0.5)
    assert [(e["from"], e["text"], e["file"]["name"]) for e in files] == [
        ("customer", "this is the broken zip", "zip.png")
    ]
    url = f"{running_bot.web_url}/api/handoffs/{handoff}/attachments/{files[0]['file']['id']}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert (reply.headers["Content-Type"], reply.read()) == ("image/png", photo)

    # anna sends a PDF: it is shared in the customer's direct message, with her words.
    pdf = b"%PDF-1.4\n%%EOF\n"
    boundary = "supportbot-test"
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
            "Here is your return label\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="label.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + pdf
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{running_bot.web_url}/api/handoffs/{handoff}/attachments",
        data=form,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        assert reply.status == 201
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not fake_slack.files_to(channel):
        time.sleep(0.3)
    [shared] = fake_slack.files_to(channel)
    assert (shared.name, shared.data) == ("label.pdf", pdf)
    assert shared.comment == "*anna (support team):* Here is your return label"
