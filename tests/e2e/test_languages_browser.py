"""A customer who does not write English, in a real browser: the bot says in their language
that it reads English only, offers a person in that language, and the team sees the language
the customer writes in (not the one the shop's page was set to)."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.desk import PASSWORD, add_agent, api
from tests.e2e.test_widget_browser import ask, bot_texts, open_widget

pytestmark = pytest.mark.rasa


def test_an_italian_question_gets_an_honest_italian_reply_and_a_person(running_bot, page, hours):
    hours("00:00-24:00")
    add_agent(running_bot, "anna")
    _, login = api(running_bot, "POST", "/api/login", {"username": "anna", "password": PASSWORD})
    open_widget(page, running_bot.web_url + "/")

    ask(page, "Come posso restituire un articolo?")
    reply = page.get_by_test_id("sb-msg-bot").filter(has_text="capisco solo l'inglese")
    reply.first.wait_for(timeout=30000)
    assert not any("outside what I can help with" in t for t in bot_texts(page))
    assert "I can only understand English for now" in " ".join(bot_texts(page))
    screenshot(page, "widget-other-language")

    page.get_by_test_id("sb-choice").filter(has_text="Parla con una persona").click()
    page.get_by_text("in the queue").first.wait_for(timeout=30000)
    session = page.evaluate("() => localStorage.getItem('supportbot:session')")
    deadline, mine = time.monotonic() + 15, []
    while time.monotonic() < deadline and not mine:
        _, waiting = api(running_bot, "GET", "/api/handoffs?status=queued", token=login["token"])
        mine = [h for h in waiting if h["conversation_id"] == session]
        time.sleep(0.5)
    assert [h["language"] for h in mine] == ["it"]  # the page said "en"
