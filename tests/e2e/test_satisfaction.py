"""Satisfaction and complaints on the running product: the question at the end of a
conversation (REST and Slack buttons), typed scores and comments, follow-ups announced to the
team, complaint tickets, and the day's report counting them."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from datetime import datetime

import pytest

from bot.business import load_business_facts
from bot.conversations.window import SENT_EVENTS
from tests.e2e.conftest import AGENT_CHANNEL
from tests.e2e.test_running_bot import action_server_pid, new_sender, payloads, texts
from tests.e2e.test_slack import click, event_body, ids, send_event
from tests.integration.conftest import supportbot

pytestmark = pytest.mark.rasa

QUESTION = "how happy are you with the help you got today?"


def csat_records(bot, sender: str) -> list[dict]:
    with sqlite3.connect(bot.data_dir / "tracker.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' ORDER BY id",
            (sender,),
        ).fetchall()
    events = [json.loads(row[0]) for row in rows]
    return [e["value"] for e in events if e.get("name") == "csat"]


def test_asked_once_at_the_end_with_a_typed_score_and_a_comment(running_bot):
    sender = new_sender()
    running_bot.say(sender, "can i pay in instalments?")

    helped = running_bot.say(sender, "yes")
    assert QUESTION in texts(helped)
    assert '/rate{"csat_score": "5"}' in payloads(helped)

    rated = running_bot.say(sender, "4")  # typed, not clicked
    assert "Thank you!" in texts(rated)
    commented = running_bot.say(sender, "the answer was quick and clear")
    assert "passed that on to our team" in texts(commented)
    thanks = running_bot.say(sender, "thanks!")
    assert "You're welcome" in texts(thanks) and QUESTION not in texts(thanks)  # once

    records = csat_records(running_bot, sender)
    assert [r["status"] for r in records] == ["asked", "answered", "commented"]
    final = records[-1]
    assert final["score"] == 4 and final["comment"] == "the answer was quick and clear"
    attribution = final["attribution"]
    assert attribution["stage"] == "bot" and attribution["handoff"] is False
    assert attribution["intents"] == ["ask_payment_methods"]
    assert attribution["articles"]  # the answer that helped


QUESTIONS = [
    "how do I return an item?",
    "do you ship to germany",
    "can i pay with paypal",
    "are the boots waterproof",
    "when will I get my refund",
    "do you have a student discount",
    "how long does delivery take?",
    "what's your phone number",
]


def test_asked_once_however_long_the_conversation(running_bot):
    """A long conversation's action calls carry only its latest events
    (bot/conversations/window.py): the action server puts back the earlier ones, from its
    previous calls or, once restarted, from the tracker store, and still knows it asked."""
    sender = new_sender()
    not_found = running_bot.log().count("earlier events not found")
    running_bot.say(sender, "can i pay in instalments?")
    assert QUESTION in texts(running_bot.say(sender, "yes"))
    running_bot.say(sender, "4")
    for question in QUESTIONS + QUESTIONS:
        running_bot.say(sender, question)
        assert QUESTION not in texts(running_bot.say(sender, "yes"))
    with sqlite3.connect(running_bot.data_dir / "tracker.db") as db:
        (stored,) = db.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)
        ).fetchone()
    assert stored > 2 * SENT_EVENTS

    restarts = running_bot.log().count("action server is back")
    os.kill(action_server_pid(running_bot), signal.SIGKILL)
    deadline = time.monotonic() + 180
    while running_bot.log().count("action server is back") == restarts:
        assert time.monotonic() < deadline, running_bot.log()[-3000:]
        time.sleep(1)
    assert "Return items" in texts(running_bot.say(sender, "how do I return an item?"))
    assert QUESTION not in texts(running_bot.say(sender, "yes"))
    assert running_bot.log().count("earlier events not found") == not_found
    assert [r["status"] for r in csat_records(running_bot, sender)] == ["asked", "answered"]


def test_a_question_after_a_score_is_answered_not_taken_as_a_comment(running_bot):
    sender = new_sender()
    running_bot.say(sender, "how do I return an item?")
    running_bot.say(sender, "yes")
    running_bot.say(sender, '/rate{"csat_score": "5"}')

    replies = running_bot.say(sender, "how long does delivery take?")

    assert "passed that on" not in texts(replies)
    assert "Did that answer your question?" in texts(replies)
    assert [r["status"] for r in csat_records(running_bot, sender)] == ["asked", "answered"]


def test_a_low_score_in_slack_opens_a_follow_up_the_team_hears_about(running_bot, fake_slack):
    user, channel = ids()
    send_event(running_bot, event_body(user, channel, "can I pay with klarna"))
    feedback = fake_slack.wait_for_text(channel, "Did that answer your question?")
    click(
        running_bot,
        user,
        channel,
        "Yes, thanks",
        feedback.button_value("Yes, thanks"),
        message_ts="1.0",
    )
    survey = fake_slack.wait_for_text(channel, QUESTION)
    assert survey.buttons == ["1 – poor", "2", "3", "4", "5 – great"]
    before = len(fake_slack.messages_to(AGENT_CHANNEL))

    click(running_bot, user, channel, "2", survey.button_value("2"), message_ts="2.0")

    fake_slack.wait_for_text(channel, "I'm sorry we let you down")
    notice = fake_slack.wait_for(AGENT_CHANNEL, count=before + 1)[before]
    assert "A customer was unhappy" in notice.text
    assert "low satisfaction score (2/5)" in notice.text
    with sqlite3.connect(running_bot.data_dir / "desk.db") as db:
        rows = db.execute(
            "SELECT channel, score, stage, status FROM followups WHERE conversation_id = ?",
            ("slack-" + user,),  # Slack conversations are namespaced
        ).fetchall()
    assert rows == [("slack", 2, "bot", "open")]


def test_a_complaint_gets_a_ticket_and_the_report_counts_it(running_bot):
    sender = new_sender()

    replies = running_bot.say(sender, "this is unacceptable, I want to make a formal complaint")

    text = texts(replies)
    assert "I've logged your complaint as C-" in text
    reference = "C-" + text.split("complaint as C-", 1)[1][:5]
    assert "4 working hours at most" in text and "we aim to resolve it by" in text
    with sqlite3.connect(running_bot.data_dir / "desk.db") as db:
        [(number, transcript, status)] = db.execute(
            "SELECT id, transcript, status FROM complaints WHERE conversation_id = ?", (sender,)
        ).fetchall()
    assert f"C-{number:05d}" == reference and status == "open"
    assert "formal complaint" in json.loads(transcript)[0]["text"]

    facts = load_business_facts(running_bot.kb_dir / "business.yml")
    today = datetime.now(facts.hours.zone).date().isoformat()
    env = {
        **os.environ,
        "SUPPORTBOT_DATA_DIR": str(running_bot.data_dir),
        "SUPPORTBOT_KB_DIR": str(running_bot.kb_dir),
    }
    result = supportbot("report", "--date", today, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["complaints"] >= 1
    assert report["csat_asked"] >= 1 and report["complaints_sla_breached"] is not None
