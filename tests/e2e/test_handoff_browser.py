"""Live handoff in real browsers: a customer in the widget, an agent in the console.

Business hours are set in the running product's business facts (which it reloads without a
restart): open all week for the live chat, closed all week for the "leave a message" path.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from bot.settings import Settings
from bot.storage.accounts import SqlAccounts
from tests.e2e.conftest import screenshot
from tests.e2e.desk import PASSWORD, add_agent, api
from tests.e2e.test_widget_browser import ask, bot_texts, open_widget

pytestmark = pytest.mark.rasa


def sign_in(console, running_bot, name: str) -> None:
    console.goto(running_bot.web_url + "/console")
    console.get_by_test_id("username").fill(name)
    console.get_by_test_id("password").fill(PASSWORD)
    console.get_by_test_id("signin").click()
    console.get_by_test_id("connection").filter(has_text="live").wait_for(timeout=15000)


def anna_takes_the_customer(running_bot, console, customer) -> None:
    """anna signs in; the customer asks for a person; anna claims them and they hear it."""
    sign_in(console, running_bot, "anna")
    open_widget(customer, running_bot.web_url + "/")
    ask(customer, "let me talk to a human")
    customer.get_by_text("in the queue").first.wait_for(timeout=30000)
    waiting = console.get_by_test_id("waiting").get_by_test_id("handoff")
    waiting.first.wait_for(timeout=15000)
    waiting.first.click()
    console.get_by_test_id("claim").click()
    customer.get_by_text("anna from our team has joined the chat.").wait_for(timeout=15000)


def open_console(browser, width: int, height: int):
    """A console window of its own: (context, page, the page's errors), counting anything its
    Content-Security-Policy refused as an error."""
    context = browser.new_context(viewport={"width": width, "height": height})
    console = context.new_page()
    errors: list[str] = []
    console.on("pageerror", lambda error: errors.append(str(error)))
    console.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None
    )
    return context, console, errors


def agent_texts(page) -> list[str]:
    return page.get_by_test_id("sb-msg-agent").all_inner_texts()


def test_a_customer_reaches_an_agent_and_comes_back_to_the_bot(running_bot, browser, page, hours):
    hours("00:00-24:00")
    add_agent(running_bot, "anna")
    console_context, console, console_errors = open_console(browser, 1280, 800)
    try:
        sign_in(console, running_bot, "anna")

        # The customer asks for a person: queued, told their place and the wait.
        open_widget(page, running_bot.web_url + "/")
        ask(page, "I want to talk to a person")
        page.get_by_text("you're next in the queue").wait_for(timeout=30000)

        # The console shows it live; the agent opens it and sees why, then claims it.
        waiting = console.get_by_test_id("waiting").get_by_test_id("handoff")
        waiting.first.wait_for(timeout=15000)
        assert "asked for a person" in waiting.first.inner_text()
        waiting.first.click()
        console.get_by_test_id("event-escalation").first.wait_for(timeout=10000)
        transcript = console.get_by_test_id("transcript")
        assert "I want to talk to a person" in transcript.inner_text()
        assert "intent request_human" not in transcript.inner_text()  # a detail, on request
        console.get_by_test_id("show-details").check()
        assert "intent request_human" in transcript.inner_text()
        console.get_by_test_id("show-details").uncheck()
        console.get_by_test_id("claim").click()
        page.get_by_text("anna from our team has joined the chat.").wait_for(timeout=15000)

        # The agent sees the customer typing (before they send anything).
        page.get_by_test_id("sb-input").press_sequentially("Thanks, one mo", delay=50)
        console.get_by_test_id("customer-typing").wait_for(state="visible", timeout=15000)
        page.get_by_test_id("sb-input").fill("")
        console.get_by_test_id("customer-typing").wait_for(state="hidden", timeout=15000)

        # The customer sees who they chat with, and the agent typing, by name; not the bot's
        # dots after their message.
        expect(page.get_by_test_id("sb-with")).to_have_text("Chatting with anna from our team")
        console.get_by_test_id("reply").press_sequentially("Let me", delay=50)
        expect(page.get_by_test_id("sb-typing")).to_contain_text("anna is typing", timeout=10000)
        expect(page.get_by_test_id("sb-typing")).to_be_hidden(timeout=10000)
        console.get_by_test_id("reply").fill("")

        # Both ways, in real time; markup is shown as text on both sides; the bot keeps quiet.
        answered_before = len(bot_texts(page))
        ask(page, "<b>My order FH1001</b> is late")
        expect(page.get_by_test_id("sb-typing")).to_be_hidden()  # nobody is typing
        console.get_by_test_id("entry-customer").filter(
            has_text="<b>My order FH1001</b> is late"
        ).wait_for(timeout=15000)
        console.get_by_test_id("reply").fill("Sorry about that! Let me check <i>right now</i>.")
        console.get_by_test_id("send").click()
        page.get_by_test_id("sb-msg-agent").filter(
            has_text="Let me check <i>right now</i>."
        ).wait_for(timeout=15000)
        assert "anna · support team" in agent_texts(page)[-1]
        assert len(bot_texts(page)) == answered_before  # no bot reply while the agent chats
        screenshot(page, "handoff-widget-with-agent")
        screenshot(console, "handoff-console")

        # The agent closes with a note; the customer is back with the bot, which answers again.
        console.get_by_test_id("note").fill("Late order chased with the courier")
        console.get_by_test_id("close").click()
        page.get_by_text("anna has closed the chat.").wait_for(timeout=15000)
        expect(page.get_by_test_id("sb-with")).to_be_hidden()  # back with the bot
        ask(page, "how do I return an item?")
        page.get_by_text("Did that answer your question?").wait_for(timeout=30000)

        # The record: every change with who and why, through the agent API.
        status, token = api(
            running_bot, "POST", "/api/login", {"username": "anna", "password": PASSWORD}
        )
        assert status == 200
        status, closed = api(
            running_bot, "GET", "/api/handoffs?status=closed", token=token["token"]
        )
        mine = [h for h in closed if h["note"] == "Late order chased with the courier"]
        assert len(mine) == 1 and mine[0]["agent"] == "anna"
        _, detail = api(running_bot, "GET", f"/api/handoffs/{mine[0]['id']}", token=token["token"])
        assert [(c["action"], c["actor"]) for c in detail["history"]] == [
            ("request", "customer"),
            ("claim", "agent:anna"),
            ("close", "agent:anna"),
        ]
        assert page.errors == [] and console_errors == []
    finally:
        console_context.close()


def test_a_customer_who_leaves_is_marked_abandoned_and_the_agent_sees_it(
    running_bot, browser, hours
):
    hours("00:00-24:00")
    business = running_bot.kb_dir / "business.yml"
    business.write_text(
        re.sub(
            r"(?m)^  abandon_after_seconds: .*$", "  abandon_after_seconds: 6", business.read_text()
        )
    )
    add_agent(running_bot, "anna")
    customer_context = browser.new_context()
    customer = customer_context.new_page()
    console_context = browser.new_context(viewport={"width": 1280, "height": 800})
    console = console_context.new_page()
    try:
        anna_takes_the_customer(running_bot, console, customer)

        # The customer closes the tab. The server notices at once if the browser says goodbye,
        # else when the page misses its pings (PING_INTERVAL + PING_TIMEOUT = 30 s).
        customer_context.close()
        # The console first says the page is closed (with a countdown), then that they left;
        # on a busy machine the first may already have turned into the second when we look.
        notice = console.get_by_test_id("customer-left")
        notice.wait_for(state="visible", timeout=90000)
        assert re.search("closed the chat page|left the conversation", notice.inner_text())
        notice.filter(has_text="The customer left the conversation.").wait_for(timeout=60000)
        assert console.get_by_test_id("reply-form").is_hidden()  # nothing more to send
        assert "abandoned" in console.get_by_test_id("conv-meta").inner_text()
    finally:
        console_context.close()


def test_the_reply_box_never_loses_what_the_agent_types(running_bot, browser, page, hours):
    """Typing on while a reply is on its way keeps the new text; a reply that could not be
    sent comes back into the box with the reason, and Send tries again."""
    hours("00:00-24:00")
    add_agent(running_bot, "anna")
    console_context = browser.new_context(viewport={"width": 1280, "height": 800})
    console = console_context.new_page()
    try:
        anna_takes_the_customer(running_bot, console, page)
        box = console.get_by_test_id("reply")
        expect(box).to_be_focused(timeout=10000)  # Claim puts the agent in the reply box

        # The first reply is held on the way to the server while anna types the next one.
        held: list = []
        console.route("**/messages", lambda route: held.append(route))
        box.fill("Your refund of 89.00 EUR is confirmed.")
        console.get_by_test_id("send").click()
        console.wait_for_timeout(300)
        assert len(held) == 1 and box.input_value() == ""
        box.press_sequentially("How can I help", delay=20)
        held[0].continue_()
        console.unroute("**/messages")
        page.get_by_test_id("sb-msg-agent").filter(has_text="refund of 89.00 EUR").wait_for(
            timeout=15000
        )
        console.wait_for_timeout(500)
        assert box.input_value() == "How can I help"

        # The desk is briefly unavailable: the reply comes back, ahead of what was typed.
        console.route(
            "**/messages",
            lambda route: route.fulfill(
                status=503, content_type="application/json", body='{"error": "desk unavailable"}'
            ),
        )
        box.fill("It will reach your card in 3-5 working days.")
        console.get_by_test_id("send").click()
        error = console.get_by_test_id("error")
        error.filter(has_text="Not sent: desk unavailable").wait_for(timeout=10000)
        assert box.input_value() == "It will reach your card in 3-5 working days."
        console.unroute("**/messages")
        console.get_by_test_id("send").click()
        page.get_by_test_id("sb-msg-agent").filter(has_text="3-5 working days").wait_for(
            timeout=15000
        )
        assert box.input_value() == ""
        texts = agent_texts(page)  # each reply reached the customer once
        assert sum("refund of 89.00 EUR" in t for t in texts) == 1
        assert sum("3-5 working days" in t for t in texts) == 1
    finally:
        console_context.close()


def test_an_angry_customer_arrives_first_with_why_they_came(running_bot, browser, page, hours):
    """The queue says how urgent and why before anyone opens it; the open conversation starts
    at the latest message with the reply box and the actions in view; afterwards the
    conversation is found again by the customer's own words."""
    hours("00:00-24:00")
    add_agent(running_bot, "anna")
    console_context, console, console_errors = open_console(browser, 1366, 850)
    try:
        sign_in(console, running_bot, "anna")
        open_widget(page, running_bot.web_url + "/")
        ask(page, "how do I change the email on my account")
        page.get_by_text("Did that answer your question?").wait_for(timeout=30000)
        angry = (
            "Three weeks and still no parcel, and nobody answers my emails. This is a disgrace!!"
        )
        ask(page, angry)
        talk = page.get_by_role("button", name="Talk to a person")
        queued = page.get_by_text("in the queue")
        talk.or_(queued).first.wait_for(timeout=30000)
        if not queued.count():  # offered a person (not handed over at once): the customer asks
            talk.last.click()
        queued.first.wait_for(timeout=30000)

        item = console.get_by_test_id("waiting").get_by_test_id("handoff").first
        item.wait_for(timeout=15000)
        expect(item.locator(".badge.high").first).to_have_text("high")
        assert "negative" in item.inner_text()  # the anger, even after "Talk to a person"
        expect(item.get_by_test_id("preview")).to_contain_text("“")
        screenshot(console, "console-queue-with-context")

        item.click()
        summary = console.get_by_test_id("context-summary")
        expect(summary).to_contain_text("This is a disgrace", timeout=10000)
        expect(summary).to_contain_text("Sentiment:")
        expect(console.get_by_test_id("context-customer")).to_contain_text("Page:")
        console.get_by_test_id("claim").click()
        expect(console.get_by_test_id("reply")).to_be_focused(timeout=10000)
        console.wait_for_timeout(1000)  # the feed's copy of the change has arrived too
        joined = console.get_by_test_id("entry-bot").filter(
            has_text="anna from our team has joined"
        )
        expect(joined).to_have_count(1)  # shown once, not once per reading
        for pinned in ("reply", "send", "release", "note"):
            expect(console.get_by_test_id(pinned)).to_be_in_viewport()
        assert console.get_by_test_id("transcript").locator("time").count() > 0
        # Agent assist: articles for the customer's question, one click into the reply box.
        suggestion = console.get_by_test_id("suggestion").first
        suggestion.wait_for(timeout=30000)
        last = console.get_by_test_id("transcript").locator("li").last
        expect(last).to_be_in_viewport()  # still at the latest, with the articles shown
        expect(console.get_by_test_id("suggestions")).to_contain_text("nobody answers my emails")
        suggestion.click()
        expect(console.get_by_test_id("reply")).not_to_have_value("")
        expect(console.get_by_test_id("reply")).to_be_focused()
        screenshot(console, "console-conversation-pinned")
        console.get_by_test_id("reply").fill("")

        console.keyboard.press("Alt+X")  # the shortcut to close: the note takes focus
        expect(console.get_by_test_id("note")).to_be_focused()
        console.get_by_test_id("note").fill("Parcel traced, apology sent")
        console.get_by_test_id("close").click()
        page.get_by_text("anna has closed the chat.").wait_for(timeout=15000)
        expect(console.get_by_test_id("conv-meta")).to_contain_text("closed")
        expect(console.get_by_test_id("reply-form")).to_be_hidden()

        console.get_by_test_id("search").fill("nobody answers my emails")
        console.get_by_test_id("search").press("Enter")
        found = console.get_by_test_id("ended").get_by_test_id("handoff")
        expect(found).to_have_count(1, timeout=10000)
        expect(found.first).to_contain_text("anna")
        screenshot(console, "console-search")
        assert console_errors == []
    finally:
        console_context.close()


def test_a_console_that_lost_its_connection_catches_up_when_back(running_bot, browser, hours):
    """The console's live connection drops (a network blip) and what the server pushes is
    lost while the customer writes: when it is back, the console shows what it missed
    without a reload."""
    hours("00:00-24:00")
    add_agent(running_bot, "anna")
    sockets: list = []
    muted = {"on": False}

    def route(socket) -> None:
        server = socket.connect_to_server()
        if muted["on"]:
            server.on_message(lambda message: None)  # what the server pushes never arrives
        sockets.append(socket)

    customer_context = browser.new_context()
    customer = customer_context.new_page()
    console_context = browser.new_context(viewport={"width": 1280, "height": 800})
    console = console_context.new_page()
    console.route_web_socket(re.compile(r".*/api/live$"), route)
    try:
        anna_takes_the_customer(running_bot, console, customer)

        muted["on"] = True
        sockets[-1].close()
        for _ in range(150):  # the console reconnects by itself (after 2 s)
            if len(sockets) >= 2:
                break
            console.wait_for_timeout(200)
        assert len(sockets) >= 2, "the console did not reconnect"
        ask(customer, "my parcel number is 4471")
        _, login = api(
            running_bot, "POST", "/api/login", {"username": "anna", "password": PASSWORD}
        )
        conversation = "/api/handoffs/" + console.locator(".item.selected").get_attribute("data-id")
        for _ in range(60):
            _, detail = api(running_bot, "GET", conversation, token=login["token"])
            if "4471" in json.dumps(detail["transcript"]):
                break
            console.wait_for_timeout(500)
        else:
            raise AssertionError("the customer's message never reached the conversation")
        console.wait_for_timeout(2000)  # the feed pushed it, into the void

        muted["on"] = False
        sockets[-1].close()
        console.get_by_test_id("transcript").filter(has_text="4471").wait_for(timeout=15000)
        assert len(sockets) >= 3
    finally:
        console_context.close()
        customer_context.close()


def test_outside_hours_the_customer_is_told_and_leaves_a_message(running_bot, page, hours):
    hours("closed")
    open_widget(page, running_bot.web_url + "/")
    ask(page, "can I speak to someone please")
    page.get_by_text("isn't working right now").wait_for(timeout=30000)
    assert not any("in the queue" in text for text in bot_texts(page))

    page.get_by_role("button", name="Leave a message").click()
    page.get_by_text("with an email address or phone number").wait_for(timeout=15000)
    ask(page, "My boots arrived in the wrong size. Reach me at jo@example.com")
    page.get_by_text("your message is with our team (reference M-").wait_for(timeout=15000)
    screenshot(page, "handoff-message-left")

    add_agent(running_bot, "lead-lee", role="lead")
    _, login = api(
        running_bot, "POST", "/api/login", {"username": "lead-lee", "password": PASSWORD}
    )
    _, left = api(running_bot, "GET", "/api/handoffs?status=message_left", token=login["token"])
    assert any(h["contact"] == "jo@example.com" and "wrong size" in h["message"] for h in left)


def test_the_agent_api_needs_a_session(running_bot):
    for method, path in [("GET", "/api/handoffs"), ("POST", "/api/handoffs/x/claim")]:
        status, body = api(running_bot, method, path)
        assert status == 401, (method, path)
        assert "sign in" in body["error"]
    status, _ = api(
        running_bot, "POST", "/api/login", {"username": "anna", "password": "wrong password"}
    )
    assert status == 401


def test_a_user_given_a_password_chooses_their_own_before_the_console_opens(running_bot, page):
    # As `supportbot run` makes the first admin: a password shown once, to be replaced.
    settings = Settings.from_env(running_bot.env)
    SqlAccounts(settings.database_url).add(
        "root", PASSWORD, "admin", now=datetime.now(UTC), must_change_password=True
    )
    page.goto(running_bot.web_url + "/console")
    page.get_by_test_id("username").fill("root")
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("signin").click()
    form = page.get_by_test_id("own-password-form")
    form.wait_for(timeout=15000)
    assert page.locator("#app").is_hidden()
    page.get_by_test_id("current-password").fill(PASSWORD)
    page.get_by_test_id("new-password").fill("root's own secret")
    page.get_by_test_id("new-password-again").fill("not the same one")
    page.get_by_test_id("own-password-save").click()
    page.get_by_test_id("own-password-error").filter(has_text="differ").wait_for(timeout=5000)
    page.get_by_test_id("new-password-again").fill("root's own secret")
    page.get_by_test_id("own-password-save").click()
    page.get_by_test_id("connection").filter(has_text="live").wait_for(timeout=15000)
    assert form.is_hidden()
    page.reload()  # signed in still, and nothing more to choose
    page.get_by_test_id("connection").filter(has_text="live").wait_for(timeout=15000)
    # Only the first page's "who am I?" before signing in was refused (401), nothing else.
    assert [e for e in page.errors if "status of 401" not in e] == []
