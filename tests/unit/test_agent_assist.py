"""Agent assist: articles for the customer's latest question, from the bot's own search."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from bot.desk.assist import ArticleSuggestions, latest_question
from bot.errors import HandoffError
from bot.knowledge import ReloadingSearcher
from tests.databases import rasa_events_table
from tests.desk_parts import desk_parts, session, waiting_customer
from tests.fakes import HashEmbedder


def said(text, intent="ask_returns", *, at, title=None):
    event = {
        "event": "user",
        "text": text,
        "timestamp": at,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}},
    }
    if title:
        event["metadata"] = {"button_title": title}
    return event


ASKED = [
    said("do I have to pay for sending stuff back", at=1),
    said("hello?", "greet", at=2),
    said("/request_human", "request_human", at=3, title="Talk to a person"),
]


def test_the_latest_question_skips_greetings_and_buttons():
    assert latest_question(ASKED).text == "do I have to pay for sending stuff back"
    assert latest_question(ASKED[1:]) is None
    assert latest_question([]) is None


def test_suggestions_come_from_the_bots_search(demo_searcher):
    assist = ArticleSuggestions(lambda: demo_searcher)

    found = assist.for_events(ASKED)
    expected = demo_searcher.search("do I have to pay for sending stuff back", limit=3)

    assert found["for"] == "do I have to pay for sending stuff back"
    assert [a["id"] for a in found["articles"]] == [m.article.id for m in expected.matches]
    assert len(found["articles"]) == 3 and found["decision"] == expected.decision.value
    assert {"question", "answer", "link", "category", "score"} <= set(found["articles"][0])
    assert assist.for_events(ASKED[1:]) == {"for": None, "decision": None, "articles": []}


def test_the_api_suggests_articles_and_says_how_to_build_a_missing_index(
    settings, tmp_path, demo_searcher
):
    tracker = tmp_path / "tracker.db"
    rasa_events_table(tracker)
    with sqlite3.connect(tracker) as db:
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
            [("c1", e["event"], e["timestamp"], json.dumps(e)) for e in ASKED],
        )
    parts = desk_parts(settings, tmp_path)
    handoff = waiting_customer(parts, "c1")

    async def script(client, login):
        anna = await login("anna")
        results = []
        for assist in (
            ArticleSuggestions(lambda: demo_searcher),
            ArticleSuggestions(lambda: ReloadingSearcher(tmp_path / "no-index", HashEmbedder())),
        ):
            parts.desk.assist = assist
            reply = await client.get(f"/api/handoffs/{handoff}/suggestions", headers=anna)
            results.append((reply.status, await reply.json()))
        unknown = await client.get("/api/handoffs/nope/suggestions", headers=anna)
        return results, unknown.status

    [(ok, found), (missing, error)], unknown = session(settings, parts, script)
    assert ok == 200 and found["for"] == "do I have to pay for sending stuff back"
    assert len(found["articles"]) == 3
    assert missing == 503 and "kb build" in error["hint"]
    assert unknown == 404


@pytest.mark.parametrize("text", ["", "   ", "x" * 201, "a\x00b", "line\nbreak", "\ud800"])
def test_a_search_for_nothing_or_odd_text_is_refused_clearly(settings, tmp_path, text):
    parts = desk_parts(settings, tmp_path)

    with pytest.raises(HandoffError):
        asyncio.run(parts.desk.search(text, []))
