"""Customers in Slack: signed Events API deliveries to the running bot, replies in a fake Slack."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.fake_slack import BOT_USER, signed_headers

pytestmark = pytest.mark.rasa


def ids() -> tuple[str, str]:
    """A fresh customer and their DM channel."""
    suffix = uuid.uuid4().hex[:8].upper()
    return f"U{suffix}", f"D{suffix}"


def post(bot, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{bot.rasa_url}/webhooks/slack/webhook", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def event_body(
    user: str, channel: str, text: str, *, kind: str = "message", ts: str | None = None
) -> bytes:
    event = {
        "type": kind,
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts or f"{time.time():.6f}",
    }
    if kind == "message" and channel.startswith("D"):
        event["channel_type"] = "im"
    envelope = {
        "type": "event_callback",
        "team_id": "T0001",
        "event_id": "Ev" + uuid.uuid4().hex[:10],
        "event_time": int(time.time()),
        "authorizations": [{"user_id": BOT_USER}],
        "event": event,
    }
    return json.dumps(envelope).encode()


def send_event(bot, body: bytes, **header_overrides: str) -> tuple[int, str]:
    headers = signed_headers(body, content_type="application/json")
    headers.update(header_overrides)
    return post(bot, body, headers)


def click(
    bot, user: str, channel: str, title: str, value: str, *, message_ts: str
) -> tuple[int, str]:
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": channel},
        "message": {"ts": message_ts},
        "actions": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": title},
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return post(bot, body, signed_headers(body, content_type="application/x-www-form-urlencoded"))


def test_a_direct_message_is_answered_with_formatting_and_buttons(running_bot, fake_slack):
    user, channel = ids()

    status, _ = send_event(running_bot, event_body(user, channel, "how do I return an item?"))

    assert status == 200
    fake_slack.wait_for_text(channel, "Did that answer your question?")
    posted = fake_slack.messages_to(channel)
    texts = [p.text for p in posted]
    assert any("*My account → Orders*" in t for t in texts)  # **bold** became Slack bold
    assert any("https://fernhill.example/help/returns/how-to" in t for t in texts)
    feedback = posted[-1]
    assert feedback.text == "Did that answer your question?"
    assert feedback.buttons == ["Yes, thanks", "No"]
    assert all(p.thread_ts is None for p in posted)  # no threads in a direct message


def test_a_button_click_continues_the_conversation(running_bot, fake_slack):
    user, channel = ids()
    send_event(running_bot, event_body(user, channel, "can I pay with klarna"))
    feedback = fake_slack.wait_for_text(channel, "Did that answer your question?")

    status, _ = click(
        running_bot,
        user,
        channel,
        "Yes, thanks",
        feedback.button_value("Yes, thanks"),
        message_ts="1.0",
    )

    assert status == 200
    fake_slack.wait_for_text(channel, "glad that helped")


def test_italian_and_lithuanian_customers_are_served_in_their_language(running_bot, fake_slack):
    # Slack says nothing of a customer's language: it is read from what they write.
    user, channel = ids()
    send_event(running_bot, event_body(user, channel, "Buongiorno"))
    fake_slack.wait_for_text(channel, "Sono l'assistente virtuale")
    send_event(running_bot, event_body(user, channel, "Come posso restituire un articolo?"))
    feedback = fake_slack.wait_for_text(channel, "Ho risposto alla tua domanda?")
    texts = [p.text for p in fake_slack.messages_to(channel)]
    assert any("https://fernhill.example/it/help/returns/how-to" in t for t in texts)
    assert feedback.buttons == ["Sì, grazie", "No"]
    send_event(running_bot, event_body(user, channel, "grazie mille, arrivederci"))
    fake_slack.wait_for_text(channel, "Grazie per averci scritto")

    user, channel = ids()
    send_event(running_bot, event_body(user, channel, "kaip grazinti preke"))  # no accents
    fake_slack.wait_for_text(channel, "Ar atsakiau į jūsų klausimą?")
    texts = [p.text for p in fake_slack.messages_to(channel)]
    assert any("https://fernhill.example/lt/help/returns/how-to" in t for t in texts)


def test_a_mention_in_a_channel_is_answered_in_a_thread(running_bot, fake_slack):
    user, _ = ids()
    channel = "C" + uuid.uuid4().hex[:8].upper()
    ts = f"{time.time():.6f}"

    send_event(
        running_bot,
        event_body(
            user, channel, f"<@{BOT_USER}> do you ship to norway?", kind="app_mention", ts=ts
        ),
    )

    fake_slack.wait_for_text(channel, "Did that answer your question?")
    posted = fake_slack.messages_to(channel)
    assert any("Norway" in p.text for p in posted)
    assert {p.thread_ts for p in posted} == {ts}


def test_the_same_message_delivered_twice_is_answered_once(running_bot, fake_slack):
    user, _ = ids()
    channel = "C" + uuid.uuid4().hex[:8].upper()
    ts = f"{time.time():.6f}"
    text = f"<@{BOT_USER}> what are your opening hours"

    send_event(running_bot, event_body(user, channel, text, kind="app_mention", ts=ts))
    status, body = send_event(
        running_bot,
        event_body(user, channel, text, kind="app_mention", ts=ts),
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )

    assert (status, body) == (200, "already handled")
    first = fake_slack.wait_for(channel, count=1)
    time.sleep(3)
    assert len(fake_slack.messages_to(channel)) == len(first)


@pytest.mark.parametrize(
    "tamper",
    [
        {"X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": str(int(time.time()) - 600)},  # a replay, too old
        {"X-Slack-Signature": ""},
    ],
    ids=["wrong-signature", "stale-timestamp", "no-signature"],
)
def test_unsigned_or_stale_requests_are_rejected_and_not_processed(running_bot, fake_slack, tamper):
    user, channel = ids()

    status, _ = send_event(running_bot, event_body(user, channel, "where is my order"), **tamper)

    assert status == 401
    time.sleep(2)
    assert fake_slack.messages_to(channel) == []


def test_url_verification_is_answered(running_bot):
    body = json.dumps({"type": "url_verification", "challenge": "c-123"}).encode()

    status, text = send_event(running_bot, body)

    assert status == 200 and json.loads(text) == {"challenge": "c-123"}


def test_an_oversized_message_gets_a_sensible_reply(running_bot, fake_slack):
    user, channel = ids()

    send_event(
        running_bot, event_body(user, channel, "where is my order? " + "more detail " * 1700)
    )

    posted = fake_slack.wait_for(channel, count=2, timeout=60)
    assert "longer than 5,000 characters" in posted[0].text  # cut, and told
    assert posted[1].text.strip()


def test_markup_never_reaches_slack_unescaped(running_bot, fake_slack):
    user, channel = ids()

    send_event(
        running_bot, event_body(user, channel, "<script>alert(1)</script> <!channel> refund?")
    )

    fake_slack.wait_for(channel, count=1)
    time.sleep(2)
    for message in fake_slack.messages_to(channel):
        assert "<" not in message.text and ">" not in message.text.replace("&gt;", "")


def test_more_than_five_buttons_are_all_shown(running_bot, fake_slack):
    user, channel = ids()
    send_event(running_bot, event_body(user, channel, "what can you do"))
    menu = fake_slack.wait_for_text(channel, "I can answer questions")

    click(running_bot, user, channel, "Delivery", menu.button_value("Delivery"), message_ts="2.0")

    topic = fake_slack.wait_for_text(channel, "common questions about delivery")
    assert len(topic.buttons) == 6  # four questions, "None of these", "Talk to a person"
    assert fake_slack.unexpected == []
