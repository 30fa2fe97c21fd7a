"""The dashboard: the report's figures by day and week, filters, the conversations behind a
number, and who may see it."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.reporting.dashboard import Dashboard, DashboardError, Selection
from bot.reporting.report import load_day
from bot.services import Services
from bot.web.app import DeskParts, create_app
from tests.unit.test_agent_api import PASSWORD, parts  # noqa: F401
from tests.unit.test_review_labelling import write_tracker

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def user(intent, when, channel="socketio", text="..."):
    return {
        "event": "user",
        "timestamp": when.timestamp(),
        "text": text,
        "input_channel": channel,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}},
    }


def slot(name, value, when):
    return {"event": "slot", "name": name, "value": value, "timestamp": when.timestamp()}


def week_of_conversations():
    """Monday 23 – Sunday 29 November; plus Monday 30 (the next ISO week)."""
    day = timedelta(days=1)
    return {
        # Monday: a rated bot conversation (5) on the website.
        "mon-web": [
            user("ask_returns", MONDAY),
            slot("csat", {"status": "answered", "score": 5}, MONDAY),
        ],
        # Monday: a Slack customer anna helped, rated 2.
        "mon-slack": [
            user("request_human", MONDAY, channel="slack"),
            slot("handoff", {"status": "queued", "reason": "asked"}, MONDAY),
            slot("handoff", {"status": "assigned", "agent": "anna"}, MONDAY),
            slot("csat", {"status": "answered", "score": 2}, MONDAY),
        ],
        # Wednesday: not rated.
        "wed-web": [user("ask_shipping", MONDAY + 2 * day)],
        # Next Monday: rated 4.
        "next-web": [
            user("ask_refund", MONDAY + 7 * day),
            slot("csat", {"status": "answered", "score": 4}, MONDAY + 7 * day),
        ],
    }


@pytest.fixture
def dashboard(settings):
    tracker = Path(settings.tracker_url.removeprefix("sqlite:///"))
    tracker.parent.mkdir(parents=True, exist_ok=True)
    write_tracker(tracker, week_of_conversations())
    stores = Services(settings).report_stores()
    return Dashboard(lambda d: load_day(stores, d, LONDON), zone=lambda: LONDON, clock=lambda: NOW)


def test_by_day_and_by_week_the_figures_are_the_reports(dashboard):
    by_day = dashboard.figures(Selection(date(2026, 11, 23), date(2026, 11, 30)))
    assert [p["conversations"] for p in by_day["periods"]] == [2, 0, 1, 0, 0, 0, 0, 1]
    assert by_day["periods"][0]["csat_avg"] == 3.5
    assert by_day["total"]["conversations"] == 4 and by_day["total"]["csat_responses"] == 3
    assert by_day["channels"] == ["slack", "socketio"] and by_day["agents"] == ["anna"]

    by_week = dashboard.figures(Selection(date(2026, 11, 23), date(2026, 11, 30)), by="week")
    weeks = [(p["date"], p["until"], p["conversations"]) for p in by_week["periods"]]
    assert weeks == [("2026-11-23", "2026-11-29", 3), ("2026-11-30", "2026-11-30", 1)]
    assert by_week["periods"][0]["csat_avg"] == 3.5 and by_week["periods"][1]["csat_avg"] == 4.0


def test_filters_by_channel_and_agent(dashboard):
    week = (date(2026, 11, 23), date(2026, 11, 29))
    slack = dashboard.figures(Selection(*week, channel="slack"))["total"]
    assert slack["conversations"] == 1 and slack["csat_avg"] == 2.0
    anna = dashboard.figures(Selection(*week, agent="anna"))["total"]
    assert anna["conversations"] == 1 and anna["csat_by_agent"] == {
        "anna": {"responses": 1, "avg": 2.0}
    }
    web = dashboard.figures(Selection(*week, channel="socketio"))["total"]
    assert web["conversations"] == 2 and web["csat_avg"] == 5.0


def test_the_conversations_behind_a_number(dashboard):
    week = Selection(date(2026, 11, 23), date(2026, 11, 29))
    unhappy = dashboard.conversations(week, "unhappy")
    assert [c["conversation_id"] for c in unhappy["conversations"]] == ["mon-slack"]
    assert unhappy["conversations"][0]["agent"] == "anna"
    assert dashboard.conversations(week, "all")["count"] == 3
    assert {
        c["conversation_id"] for c in dashboard.conversations(week, "contained")["conversations"]
    } == {
        "mon-web",
        "wed-web",
    }
    with pytest.raises(DashboardError, match="metric"):
        dashboard.conversations(week, "vibes")
    with pytest.raises(DashboardError, match="at most"):
        dashboard.figures(Selection(date(2026, 1, 1), date(2026, 11, 29)))


def test_finished_days_are_read_once(settings, dashboard):
    loads = []
    stores = Services(settings).report_stores()

    def load(day):
        loads.append(day)
        return load_day(stores, day, LONDON)

    board = Dashboard(load, zone=lambda: LONDON, clock=lambda: NOW)
    selection = Selection(date(2026, 11, 28), date(2026, 11, 30))
    board.figures(selection)
    board.figures(selection)
    assert loads.count(date(2026, 11, 28)) == 1
    assert loads.count(date(2026, 11, 30)) == 1  # today: kept for a few seconds


def test_the_api_is_for_leads(settings, parts, dashboard):  # noqa: F811
    desk = DeskParts(**{**parts.__dict__, "dashboard": dashboard, "zone": lambda: LONDON})

    async def run():
        app = create_app(settings, store=desk.desk.store, company="Fernhill", desk=desk)
        async with TestClient(TestServer(app)) as client:

            async def token(name):
                reply = await client.post(
                    "/api/login", json={"username": name, "password": PASSWORD}
                )
                return {"Authorization": f"Bearer {(await reply.json())['token']}"}

            lea, anna = await token("lea"), await token("anna")
            week = "from=2026-11-23&to=2026-11-29"
            found = await (await client.get(f"/api/dashboard?{week}&by=week", headers=lea)).json()
            behind = await (
                await client.get(f"/api/dashboard/conversations?{week}&metric=unhappy", headers=lea)
            ).json()
            forbidden = await client.get(f"/api/dashboard?{week}", headers=anna)
            bad = await client.get("/api/dashboard?from=yesterday", headers=lea)
            backwards = await client.get(
                "/api/dashboard?from=2026-11-29&to=2026-11-01", headers=lea
            )
            return found, behind, forbidden.status, bad.status, backwards.status

    found, behind, forbidden, bad, backwards = asyncio.run(run())
    assert found["total"]["conversations"] == 3 and len(found["periods"]) == 1
    assert behind["count"] == 1
    assert (forbidden, bad, backwards) == (403, 400, 400)


def test_a_conversation_transcript_for_the_drill_down(settings, parts, tmp_path):  # noqa: F811
    write_tracker(tmp_path / "tracker.db", {"c9": [user("ask_returns", MONDAY, text="<b>hi</b>")]})
    desk = DeskParts(
        **{
            **parts.__dict__,
            "dashboard": Dashboard(lambda d: None, zone=lambda: LONDON, clock=lambda: NOW),
            "zone": lambda: LONDON,
        }
    )

    async def run():
        app = create_app(settings, store=desk.desk.store, company="Fernhill", desk=desk)
        async with TestClient(TestServer(app)) as client:
            reply = await client.post("/api/login", json={"username": "lea", "password": PASSWORD})
            lea = {"Authorization": f"Bearer {(await reply.json())['token']}"}
            one = await (await client.get("/api/dashboard/conversations/c9", headers=lea)).json()
            missing = await client.get("/api/dashboard/conversations/nobody", headers=lea)
            return one, missing.status

    one, missing = asyncio.run(run())
    assert one["transcript"][0]["text"] == "<b>hi</b>"  # as text; the page shows it as text
    assert missing == 404


def test_the_read_ahead_reads_finished_days_once(settings, dashboard):
    loads = []
    stores = Services(settings).report_stores()

    def load(day):
        loads.append(day)
        return load_day(stores, day, LONDON)

    board = Dashboard(load, zone=lambda: LONDON, clock=lambda: NOW)
    assert board.warm(days=3) == 3
    assert loads == [date(2026, 11, 29), date(2026, 11, 28), date(2026, 11, 27)]
    assert board.warm(days=3) == 0
    board.figures(Selection(date(2026, 11, 27), date(2026, 11, 29)))
    assert len(loads) == 3  # the figures came from memory


class DigitRedactor:
    """Masks digits (enough to see that shown texts are masked, and counted masked)."""

    def redact(self, text: str) -> str:
        return "".join("#" if c.isdigit() else c for c in text)


def unsure(text, when, channel="socketio"):
    event = user("nlu_fallback", when, channel=channel, text=text)
    event["parse_data"]["intent"]["confidence"] = 0.3
    return event


def test_the_range_lists_its_top_unanswered_questions_masked_and_filtered(settings):
    tracker = Path(settings.tracker_url.removeprefix("sqlite:///"))
    tracker.parent.mkdir(parents=True, exist_ok=True)
    hour = timedelta(hours=1)
    write_tracker(
        tracker,
        {
            "a": [unsure("Where is order 1234?", MONDAY)],
            "b": [unsure("where is  order 5678?", MONDAY + 24 * hour)],
            "c": [unsure("can I pay in bitcoin", MONDAY + 2 * hour, channel="slack")],
            "d": [user("ask_returns", MONDAY, text="how do I return boots")],  # answered
        },
    )
    stores = Services(settings).report_stores()
    board = Dashboard(
        lambda d: load_day(stores, d, LONDON),
        zone=lambda: LONDON,
        clock=lambda: NOW,
        redactor=DigitRedactor,
    )
    week = (date(2026, 11, 23), date(2026, 11, 29))

    everything = board.figures(Selection(*week))["total"]
    slack = board.figures(Selection(*week, channel="slack"))["total"]

    assert everything["top_unanswered"] == [
        {"text": "Where is order ####?", "count": 2},
        {"text": "can I pay in bitcoin", "count": 1},
    ]
    assert slack["top_unanswered"] == [{"text": "can I pay in bitcoin", "count": 1}]
    assert everything["wait_distribution"][0]["label"] == "under 1 min"
    without = Dashboard(
        lambda d: load_day(stores, d, LONDON), zone=lambda: LONDON, clock=lambda: NOW
    )
    assert without.figures(Selection(*week))["total"]["top_unanswered"] is None
