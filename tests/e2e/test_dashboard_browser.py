"""After a day of conversations, a lead opens the dashboard in Chromium and sees the right
numbers: satisfaction for one agent's conversations, the unhappy customer behind a number and
their transcript, the follow-up; and the dashboard and `supportbot report` agree."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from datetime import datetime

import pytest
from playwright.sync_api import expect

from bot.business import load_business_facts
from tests.e2e.conftest import screenshot
from tests.e2e.desk import PASSWORD, add_agent, api
from tests.e2e.test_running_bot import new_sender, texts
from tests.integration.conftest import supportbot

pytestmark = pytest.mark.rasa


def token(running_bot, name: str) -> str:
    status, login = api(running_bot, "POST", "/api/login", {"username": name, "password": PASSWORD})
    assert status == 200, login
    return login["token"]


def handled_by(running_bot, agent: str, customer: str) -> None:
    """``agent`` takes the waiting ``customer``, answers and closes the chat."""
    key = token(running_bot, agent)
    # Away, not online: automatic assignment must not give her another waiting customer (the
    # test's complaint) while she handles this one; she claims this one herself.
    assert api(running_bot, "POST", "/api/presence", {"presence": "away"}, token=key)[0] == 200
    status, listing = api(running_bot, "GET", "/api/handoffs?status=queued", token=key)
    assert status == 200
    [handoff] = [h for h in listing if h["conversation_id"] == customer]
    assert api(running_bot, "POST", f"/api/handoffs/{handoff['id']}/claim", token=key)[0] == 200
    said = api(
        running_bot,
        "POST",
        f"/api/handoffs/{handoff['id']}/messages",
        {"text": "Hi, I'm looking at your order now."},
        token=key,
    )
    assert said[0] == 201
    closed = api(
        running_bot,
        "POST",
        f"/api/handoffs/{handoff['id']}/close",
        {"note": "explained"},
        token=key,
    )
    assert closed[0] == 200
    # The desk tells Rasa through its outbox, after answering: wait until the conversation has
    # the closing and the satisfaction question, as the customer would before answering it.
    deadline = time.monotonic() + 30
    while not survey_asked(running_bot, customer):
        assert time.monotonic() < deadline, "the close never reached the conversation"
        time.sleep(0.2)


def survey_asked(running_bot, customer: str) -> bool:
    with sqlite3.connect(running_bot.data_dir / "tracker.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (customer,)
        ).fetchall()
    return any('"csat"' in data and '"asked"' in data for (data,) in rows)


@pytest.fixture
def people(running_bot):
    """Dora (agent) and a lead; signed out of presence afterwards (signing in puts a user
    online, and other tests expect nobody to be chatting)."""
    add_agent(running_bot, "dora")
    add_agent(running_bot, "lead-dash", role="lead")
    yield
    for name in ("dora", "lead-dash"):
        key = token(running_bot, name)
        api(running_bot, "POST", "/api/presence", {"presence": "offline"}, token=key)


def test_the_dashboard_shows_how_satisfied_customers_were(running_bot, browser, hours, people):
    hours("00:00-24:00")
    # Before anyone is online: a complaint gets a ticket and how the team will reach them.
    complained = texts(running_bot.say(new_sender(), "I want to make a formal complaint"))
    reference = "C-" + complained.split("complaint as C-", 1)[1][:5]
    token(running_bot, "dora")  # signing in puts her online: customers may queue
    customer = new_sender()
    assert "in the queue" in texts(running_bot.say(customer, "I want to talk to a person"))
    handled_by(running_bot, "dora", customer)
    rated = running_bot.say(customer, '/rate{"csat_score": "2"}')
    assert "I'm sorry we let you down" in texts(rated)
    running_bot.say(customer, "it took far too long to get an answer")
    unanswered = "qwxz blorp frobnicate the zibble?"
    running_bot.say(new_sender(), unanswered)

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    refused: list[str] = []  # what the console's Content-Security-Policy blocked, if anything
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        page.goto(running_bot.web_url + "/console")
        page.get_by_test_id("username").fill("lead-dash")
        page.get_by_test_id("password").fill(PASSWORD)
        page.get_by_test_id("signin").click()
        page.get_by_test_id("dashboard-link").click()
        page.locator("body[data-loaded=yes]").wait_for(timeout=60000)
        screenshot(page, "dashboard-overview")

        # Dora's conversations only: one, scored 2.
        page.get_by_test_id("dash-agent").select_option("dora")
        page.get_by_test_id("dash-show").click()
        page.get_by_test_id("tile-csat_avg").filter(has_text="2.00").wait_for(timeout=30000)
        assert page.get_by_test_id("tile-conversations").inner_text().startswith("1")
        assert page.get_by_test_id("tile-csat_satisfied_rate").inner_text().startswith("0.0%")

        # The unhappy customer behind the number, and what they said.
        page.get_by_test_id("row-followups").get_by_role("button").last.click()
        item = page.get_by_test_id("drill-item").filter(has_text=customer)
        item.wait_for(timeout=15000)
        assert "agent: dora" in item.inner_text() and "CSAT 2" in item.inner_text()
        item.click()
        transcript = page.get_by_test_id("dash-transcript")
        transcript.get_by_text("it took far too long to get an answer").wait_for(timeout=15000)
        expect(page.get_by_test_id("dash-transcript-title")).to_be_in_viewport()
        followups = page.get_by_test_id("followup-item").filter(has_text="2/5")
        assert followups.count() >= 1
        screenshot(page, "dashboard-agent-drilldown")

        # Where the bot fails, over the whole range: the question it could not answer, and
        # why customers were handed over (everyone again, not only Dora's).
        page.get_by_test_id("dash-agent").select_option("")
        page.get_by_test_id("dash-show").click()
        expect(page.get_by_test_id("dash-unanswered")).to_contain_text(unanswered, timeout=30000)
        expect(page.get_by_test_id("dash-reasons")).to_contain_text("asked for a person")
        expect(page.get_by_test_id("dash-waits")).not_to_contain_text("Nobody waited")
        # By language: "I want to talk to a person" and the survey comment are clearly English.
        expect(page.get_by_test_id("dash-languages")).to_contain_text("English")
        page.get_by_test_id("dash-unanswered").scroll_into_view_if_needed()
        screenshot(page, "dashboard-where-the-bot-fails")

        # The complaint is open; the lead resolves it with a note.
        ticket = page.get_by_test_id("dash-late").get_by_role("listitem").filter(has_text=reference)
        ticket.wait_for(timeout=15000)
        ticket.get_by_placeholder("How it was resolved").fill("called the customer, refunded")
        ticket.get_by_role("button", name="Resolve").click()
        ticket.wait_for(state="detached", timeout=15000)
        assert refused == []

        # At 1280 px and on a phone nothing is cut off: the page never scrolls sideways.
        for width, height in ((1280, 800), (375, 667)):
            page.set_viewport_size({"width": width, "height": height})
            page.get_by_test_id("dash-show").click()
            page.get_by_test_id("dash-unanswered").wait_for()
            for part in ("dash-tiles", "dash-filters", "dash-fails", "dash-drill-title"):
                box = page.get_by_test_id(part).bounding_box()
                assert box is not None and box["x"] + box["width"] <= width + 1, (width, part)
        screenshot(page, "dashboard-phone")
    finally:
        context.close()

    # The dashboard's numbers for today are the report's.
    facts = load_business_facts(running_bot.kb_dir / "business.yml")
    today = datetime.now(facts.hours.zone).date().isoformat()
    lead = token(running_bot, "lead-dash")
    status, board = api(running_bot, "GET", f"/api/dashboard?from={today}&to={today}", token=lead)
    assert status == 200
    env = {
        **os.environ,
        "SUPPORTBOT_DATA_DIR": str(running_bot.data_dir),
        "SUPPORTBOT_KB_DIR": str(running_bot.kb_dir),
    }
    result = supportbot("report", "--date", today, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    for field in ("conversations", "csat_asked", "csat_responses", "csat_avg", "complaints"):
        assert board["total"][field] == report[field], field
    assert report["csat_by_agent"]["dora"] == {"responses": 1, "avg": 2.0}
    assert report["followups"] >= 1
    status, resolved = api(running_bot, "GET", f"/api/complaints/{reference}", token=lead)
    assert resolved["status"] == "resolved" and resolved["resolved_by"] == "lead-dash"
    for name in ("dora", "lead-dash"):  # other tests expect nobody to be online
        api(
            running_bot,
            "POST",
            "/api/presence",
            {"presence": "offline"},
            token=token(running_bot, name),
        )
