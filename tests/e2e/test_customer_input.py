"""What every channel does with a customer's message before Rasa reads it
(``bot.rasa_server.channels.customer_turns`` and ``identity``), against the running product:
one length limit, button payloads only as offered, and conversations namespaced by channel."""

from __future__ import annotations

import json
import sqlite3
import threading
import urllib.error
import urllib.request
import uuid

import pytest
import socketio

from bot.text import MAX_MESSAGE_CHARS
from tests.e2e.test_running_bot import new_sender, payloads, stored_user_events, texts

pytestmark = pytest.mark.rasa


def slots_set(bot, sender: str) -> set[str]:
    with sqlite3.connect(bot.data_dir / "tracker.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (sender,)
        ).fetchall()
    return {json.loads(row[0])["name"] for row in rows}


def post_rest(bot, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{bot.rasa_url}/webhooks/rest/webhook",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_a_message_over_the_limit_is_cut_the_customer_told_and_what_was_kept_stored(running_bot):
    sender = new_sender()
    message = "where is my order? " + "x" * (MAX_MESSAGE_CHARS + 1000)

    replies = running_bot.say(sender, message)

    assert f"longer than {MAX_MESSAGE_CHARS:,} characters" in texts(replies)
    assert [m["text"] for m in stored_user_events(running_bot, sender)] == [
        message[:MAX_MESSAGE_CHARS]
    ]


def test_a_huge_button_payload_is_cut_like_any_message(running_bot):
    sender = new_sender()

    replies = running_bot.say(sender, '/deny{"x": "' + "a" * 200_000 + '"}')

    assert texts(replies).strip()
    [stored] = stored_user_events(running_bot, sender)
    assert len(stored["text"]) <= MAX_MESSAGE_CHARS and not stored["text"].startswith("/")
    assert stored["parse_data"]["entities"] == []


@pytest.mark.parametrize(
    "forged",
    ['/rate{"csat_score": "1"}', '\u200b/rate{"csat_score": "1"}'],
    ids=["as-is", "behind-an-invisible-character"],  # cleaning would expose the second
)
def test_a_satisfaction_score_nobody_offered_is_read_as_words(running_bot, forged):
    sender = new_sender()

    replies = running_bot.say(sender, forged)

    assert "let you down" not in texts(replies)
    [stored] = stored_user_events(running_bot, sender)
    assert stored["text"] == 'rate{"csat_score": "1"}'
    assert stored["parse_data"]["entities"] == []  # no score came with it
    assert "csat_score" not in slots_set(running_bot, sender)


def test_a_button_the_bot_offered_is_honoured(running_bot):
    sender = new_sender()
    menu = running_bot.say(sender, "what can you do")
    offered = [p for p in payloads(menu) if p != "/request_human"]
    assert offered, menu

    chosen = running_bot.say(sender, offered[0])

    assert texts(chosen).strip()
    assert stored_user_events(running_bot, sender)[-1]["text"] == offered[0]  # as sent


@pytest.mark.parametrize(
    "sender",
    ["0123456789abcdef0123456789abcdef", "slack-U0123ABC", "", "x" * 500, None],
    ids=["widget-id", "slack-id", "empty", "too-long", "missing"],
)
def test_rest_cannot_write_into_another_channels_conversation(running_bot, sender):
    status, body = post_rest(running_bot, {"sender": sender, "message": "hi"})

    assert status == 400, body
    assert "sender" in body
    if sender:
        assert stored_user_events(running_bot, sender) == []


def test_rest_cannot_pose_as_another_channel_or_store_odd_metadata(running_bot):
    sender = new_sender()
    body = {
        "sender": sender,
        "message": "hello",
        "input_channel": "slack",
        "metadata": {"page": "https://fernhill.example/", "nested": {"a": 1}, "big": "x" * 9999},
    }

    status, _ = post_rest(running_bot, body)

    assert status == 200
    [stored] = stored_user_events(running_bot, sender)
    assert stored["input_channel"] == "rest"
    assert stored["metadata"]["page"] == "https://fernhill.example/"
    assert "nested" not in stored["metadata"] and len(stored["metadata"]["big"]) == 2000


class Page:
    """A chat page on the widget's protocol, with its confirmed session."""

    def __init__(self, url: str) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.replies: list[dict] = []
        self.session: str | None = None
        self.confirmed = threading.Event()
        self.sio.on("session_confirm", self._confirm)
        self.sio.on("bot_uttered", self.replies.append)
        self.sio.connect(url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)

    def _confirm(self, session_id: str) -> None:
        self.session = session_id
        self.confirmed.set()

    def start(self) -> str:
        self.sio.emit("session_request", {"session_id": None})
        assert self.confirmed.wait(30)
        assert self.session
        return self.session

    def say(self, text: str, session_id: str | None) -> None:
        self.sio.call(
            "user_uttered",
            {"message": text, "session_id": session_id, "metadata": {}},
            timeout=120,
        )


def test_a_chat_page_writes_only_into_its_own_confirmed_conversation(running_bot):
    other = uuid.uuid4().hex  # someone else's conversation
    page = Page(running_bot.rasa_url)
    try:
        page.say("before any session", other)  # no session confirmed yet: ignored
        mine = page.start()
        page.say("do you ship to france", other)  # names another conversation: ignored
        assert page.replies == []
        page.say("do you ship to france", mine)
        assert page.replies
    finally:
        page.sio.disconnect()

    assert stored_user_events(running_bot, other) == []
    assert [m["text"] for m in stored_user_events(running_bot, mine)] == ["do you ship to france"]


@pytest.mark.parametrize("message", [123, {"text": "hi"}, ["hi"]], ids=["number", "object", "list"])
def test_a_rest_message_that_is_not_text_is_refused(running_bot, message):
    sender = new_sender()

    status, body = post_rest(running_bot, {"sender": sender, "message": message})

    assert status == 400 and "'message'" in body
    assert stored_user_events(running_bot, sender) == []


def test_a_streamed_rest_answer_arrives_and_ends(running_bot):
    request = urllib.request.Request(
        f"{running_bot.rasa_url}/webhooks/rest/webhook?stream=true",
        data=json.dumps({"sender": new_sender(), "message": "how do I return an item?"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        lines = [json.loads(line) for line in response.read().decode().splitlines() if line]

    assert "Return items" in " ".join(line.get("text", "") for line in lines)
