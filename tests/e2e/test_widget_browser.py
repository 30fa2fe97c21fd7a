"""The website widget in a real browser (Debian's Chromium) against the running product."""

from __future__ import annotations

import http.server
import json
import sqlite3
import threading
import time

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.rasa

ANSWER_DONE = "Did that answer your question?"


def open_widget(page, url: str) -> None:
    page.goto(url)
    page.get_by_test_id("sb-launcher").click()
    page.get_by_test_id("sb-input").wait_for()


def ask(page, text: str) -> None:
    page.get_by_test_id("sb-input").fill(text)
    page.get_by_test_id("sb-input").press("Enter")


def bot_texts(page) -> list[str]:
    return page.get_by_test_id("sb-msg-bot").all_inner_texts()


def customer_texts(page) -> list[str]:
    return [
        t.replace("You said:", "").strip()
        for t in page.get_by_test_id("sb-msg-customer").all_inner_texts()
    ]


def test_a_customer_asks_a_question_and_chooses_an_answer(running_bot, page):
    open_widget(page, running_bot.web_url + "/")
    screenshot(page, "widget-open")

    ask(page, "how do I return an item?")
    page.get_by_text(ANSWER_DONE).wait_for(timeout=20000)
    screenshot(page, "widget-answer")

    link = page.locator(".sb-from-bot a[href='https://fernhill.example/help/returns/how-to']")
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel")
    page.get_by_role("button", name="Yes, thanks").click()
    page.get_by_text("glad that helped").wait_for(timeout=20000)
    assert customer_texts(page) == ["how do I return an item?", "Yes, thanks"]
    assert page.errors == []


def test_the_conversation_survives_a_reload_and_another_page(running_bot, page):
    open_widget(page, running_bot.web_url + "/")
    ask(page, "do you ship to france?")
    page.get_by_text(ANSWER_DONE).wait_for(timeout=20000)
    before = bot_texts(page)

    page.reload()
    page.get_by_text(ANSWER_DONE).wait_for(timeout=20000)
    assert page.get_by_test_id("sb-panel").is_visible()  # it stays open
    assert bot_texts(page) == before

    page.get_by_role("link", name="Walking boots").first.click()
    page.wait_for_url("**/boots")
    page.get_by_text(ANSWER_DONE).wait_for(timeout=20000)
    assert customer_texts(page) == ["do you ship to france?"]

    ask(page, "are these waterproof?")
    session = page.evaluate("localStorage.getItem('supportbot:session')")
    wait_until(lambda: "are these waterproof?" in stored_user_texts(running_bot, session))
    pages = stored_metadata(running_bot, session, "page_url")
    assert pages[0].endswith("/") and pages[-1].endswith("/boots")


def test_markup_is_shown_as_text_and_never_run(running_bot, page):
    attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold?</b>'
    open_widget(page, running_bot.web_url + "/")

    ask(page, attack)
    page.get_by_test_id("sb-msg-bot").last.wait_for(timeout=20000)
    time.sleep(0.5)

    assert customer_texts(page)[-1] == attack
    assert page.evaluate("window.__xss") is None
    assert page.locator(".sb-log img, .sb-log script, .sb-log b").count() == 0


def test_the_widget_recovers_from_a_network_drop_without_losing_or_repeating(running_bot, page):
    open_widget(page, running_bot.web_url + "/")
    ask(page, "hi")
    page.get_by_test_id("sb-msg-bot").first.wait_for(timeout=20000)
    page.wait_for_function("document.querySelectorAll('[data-testid=sb-msg-bot]').length >= 1")
    time.sleep(1)

    page.context.set_offline(True)
    page.get_by_test_id("sb-status").wait_for(state="visible", timeout=60000)
    screenshot(page, "widget-offline")
    ask(page, "can i pay with paypal")  # sent while offline: kept and sent later
    time.sleep(2)
    page.context.set_offline(False)

    page.get_by_text("PayPal", exact=False).last.wait_for(timeout=60000)
    page.get_by_test_id("sb-status").wait_for(state="hidden", timeout=30000)
    time.sleep(3)  # time for any duplicate to show up
    assert customer_texts(page).count("can i pay with paypal") == 1
    assert sum("PayPal" in t for t in bot_texts(page)) == 1
    session = page.evaluate("localStorage.getItem('supportbot:session')")
    assert stored_user_texts(running_bot, session).count("can i pay with paypal") == 1


def test_talk_to_a_person_is_always_there(running_bot, page):
    open_widget(page, running_bot.web_url + "/")

    page.get_by_test_id("sb-person").click()

    page.get_by_text("+44 20 7946 0321", exact=False).wait_for(timeout=20000)
    assert customer_texts(page) == ["Talk to a person"]


def test_keyboard_and_screen_reader_basics(running_bot, page):
    page.goto(running_bot.web_url + "/")
    launcher = page.get_by_test_id("sb-launcher")
    assert launcher.get_attribute("aria-expanded") == "false"

    launcher.focus()
    page.keyboard.press("Enter")
    assert launcher.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "sb-input"
    assert page.get_by_role("log").count() == 1
    assert page.get_by_role("dialog").get_attribute("aria-label")

    page.keyboard.press("Escape")
    assert page.get_by_test_id("sb-panel").is_hidden()
    assert page.evaluate("document.activeElement.dataset.testid") == "sb-launcher"


def test_on_a_phone_the_chat_fills_the_screen(running_bot, browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        open_widget(page, running_bot.web_url + "/")
        ask(page, "where is my order")
        page.get_by_text(ANSWER_DONE).wait_for(timeout=20000)
        screenshot(page, "widget-phone")

        box = page.get_by_test_id("sb-panel").bounding_box()
        assert box["width"] >= 370 and box["height"] >= 660
        assert page.get_by_test_id("sb-person").is_visible()
        assert page.get_by_test_id("sb-launcher").is_hidden()  # not covering the send button
    finally:
        context.close()


def test_an_oversized_message_is_kept_for_editing_not_cut_or_lost(running_bot, page):
    open_widget(page, running_bot.web_url + "/")
    text = "my order " * 700  # 6,300 characters; the widget's limit is 5,000

    ask(page, text)

    assert "up to 5000 characters" in page.get_by_test_id("sb-notice").inner_text()
    assert page.get_by_test_id("sb-input").input_value() == text
    assert customer_texts(page) == []


class OtherSite:
    """Another company's website: its own origin (port), serving one page that embeds the widget.

    A real local server, not a routed fake: Chromium refuses to let a page of unknown (public)
    origin load scripts from 127.0.0.1, as it would refuse a real public site.
    """

    def __init__(self, html: str) -> None:
        body = html.encode()

        class Page(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.url = f"http://localhost:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def other_site(running_bot):
    site = OtherSite(
        f"""<!doctype html><html><head><meta charset="utf-8"><title>Other shop</title></head>
    <body><h1>Another company's page</h1>
    <script>window.SupportbotConfig = {{
      botUrl: "{running_bot.rasa_url}", title: "Hilfe", position: "left",
      primaryColor: "#7a1f5c", customerId: "C-42", storageKey: "othershop",
      texts: {{ open: "Chat öffnen", person: "Mit einem Menschen sprechen" }}
    }};</script>
    <script src="{running_bot.web_url}/widget/widget.js" defer></script>
    </body></html>"""
    )
    yield site
    site.close()


def test_one_script_tag_adds_the_widget_to_another_site(running_bot, other_site, page):
    page.goto(other_site.url + "/help")
    launcher = page.get_by_test_id("sb-launcher")
    assert launcher.get_attribute("aria-label") == "Chat öffnen"
    launcher.click()
    ask(page, "how do I return an item?")
    page.get_by_text(ANSWER_DONE).wait_for(timeout=20000)
    screenshot(page, "widget-foreign-site")

    assert page.get_by_test_id("sb-person").inner_text() == "Mit einem Menschen sprechen"
    assert page.get_by_role("dialog").get_attribute("aria-label") == "Hilfe"
    assert page.get_by_test_id("sb-root").evaluate("e => e.classList.contains('sb-left')")
    session = page.evaluate("localStorage.getItem('othershop:session')")
    assert stored_metadata(running_bot, session, "customer_id") == ["C-42"]
    assert stored_metadata(running_bot, session, "page_url") == [other_site.url + "/help"]
    assert page.errors == []


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def stored_user_texts(bot, session: str) -> list[str]:
    with sqlite3.connect(bot.data_dir / "tracker.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (session,),
        ).fetchall()
    return [json.loads(row[0])["text"] for row in rows]


def stored_metadata(bot, session: str, key: str) -> list[str]:
    with sqlite3.connect(bot.data_dir / "tracker.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (session,),
        ).fetchall()
    return [json.loads(row[0]).get("metadata", {}).get(key) for row in rows]
