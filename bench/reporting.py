"""Daily report generation time and dashboard load time on 30 days of 10,000 conversations a day.

A synthetic installation is generated (seeded; the event shapes Rasa and our actions write):
each conversation is a Rasa session with a shop question (with sentiment), the answer and
"Did that answer your question?", then "yes" or "that didn't help", the satisfaction question
and, for 40 %, a score (some with a comment). 10 % ask for a person: a handoff in the desk's
database, an agent (one of eight) who claims it and answers; 1 % complain: a complaint ticket.
Low scores open follow-ups. Channels: website, Slack, REST.

Measured:

* ``supportbot report`` for each of the 30 days (in-process ``daily_report``, JSON), as the
  scheduled report runs it: per-day seconds (median, max) and the total;
* the dashboard, served by the real web service (``python -m bot.web``) and opened by a lead
  in Chromium: the page load for the last 30 days (navigation until the figures are shown),
  first (cold: every day read from the stores) and again (warm: finished days cached), plus
  by-week and one-agent views; and the API's own time.

Run: ``.venv/bin/python -m bench.reporting [--days 30] [--per-day 10000]`` →
``bench/results/reporting.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench.common import PROJECT, write_result
from bot.privacy.redactor import Redactor
from bot.reporting.report import daily_report
from bot.runtime.ports import free_port
from bot.services import Services
from bot.settings import Settings
from bot.storage import migrate
from bot.storage.accounts import SqlAccounts
from bot.storage.complaints import SqlComplaints
from bot.storage.engines import engine_for
from bot.storage.followups import SqlFollowUps
from bot.storage.schema import handoffs as handoffs_table

SEED = 8
ZONE = ZoneInfo("Europe/London")
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench lead password"
TOPICS = ["ask_returns", "ask_shipping", "ask_order_status", "ask_refund", "ask_payment_methods"]
ARTICLES = [
    "returns-how-to",
    "shipping-times",
    "order-tracking",
    "refund-timing",
    "payment-methods",
]
QUESTIONS = [
    "how do I send this back",
    "when will my parcel arrive",
    "where is my order",
    "when do I get my money back",
    "can I pay with klarna",
]
AGENTS = [f"agent-{n}" for n in range(8)]
CHANNELS = ["socketio", "socketio", "slack", "rest"]


#: Rasa's SQL tracker store table, as Rasa creates it (rasa/core/tracker_store.py).
TRACKER = sa.MetaData()
EVENTS = sa.Table(
    "events",
    TRACKER,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def generate(
    tracker_url: str, desk_url: str, days: int, per_day: int, last_day: date, rng: random.Random
) -> dict:
    """The tracker store and the desk's database for ``days`` days ending ``last_day``."""
    tracker = sa.create_engine(tracker_url, future=True)
    TRACKER.create_all(tracker)
    migrate.upgrade(desk_url)
    engine = engine_for(desk_url)
    complaints = SqlComplaints(desk_url)
    followups = SqlFollowUps(desk_url)
    counts = {"conversations": 0, "events": 0, "handoffs": 0, "complaints": 0, "followups": 0}
    first_day = last_day - timedelta(days=days - 1)
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        start = datetime.combine(day, datetime.min.time(), ZONE)
        rows: list[dict[str, Any]] = []
        handoff_rows: list[dict[str, Any]] = []
        for number in range(per_day):
            sender = f"{day.isoformat()}-{number}"
            at = start + timedelta(seconds=rng.random() * 86000)
            events, handoff, complaint, low = conversation(sender, at, rng)
            rows += [
                {"sender_id": sender, "type_name": e["event"], "timestamp": e["timestamp"],
                 "data": json.dumps(e)}
                for e in events
            ]  # fmt: skip
            if handoff:
                handoff_rows.append(handoff)
            if complaint:
                complaints.open(
                    sender, channel=events[1]["input_channel"], priority="high",
                    reason="complaint", message="this is unacceptable", transcript=[],
                    first_response_due=at + timedelta(hours=4),
                    resolution_due=at + timedelta(days=7), now=at,
                )  # fmt: skip
                counts["complaints"] += 1
            if low:
                followups.open(
                    sender, channel="socketio", reason="low satisfaction score (1/5)", score=1,
                    comment=None, stage="bot", agent=None, now=at,
                )  # fmt: skip
                counts["followups"] += 1
        with tracker.begin() as db:
            db.execute(EVENTS.insert(), rows)
        with engine.begin() as db:
            if handoff_rows:
                db.execute(handoffs_table.insert(), handoff_rows)
        counts["conversations"] += per_day
        counts["events"] += len(rows)
        counts["handoffs"] += len(handoff_rows)
    tracker.dispose()
    return counts


def conversation(
    sender: str, at: datetime, rng: random.Random
) -> tuple[list[dict[str, Any]], dict[str, Any] | None, bool, bool]:
    channel = rng.choice(CHANNELS)
    topic = rng.randrange(len(TOPICS))
    negative = rng.random() ** 3
    clock = [at.timestamp()]

    def event(kind: str, **fields: Any) -> dict[str, Any]:
        clock[0] += rng.uniform(2, 40)
        return {"event": kind, "timestamp": clock[0], **fields}

    def user(intent: str, text: str, negativity: float) -> dict[str, Any]:
        scores = {"negative": negativity, "neutral": 1 - negativity, "positive": 0.0}
        return event(
            "user",
            text=text,
            input_channel=channel,
            parse_data={
                "intent": {"name": intent, "confidence": rng.uniform(0.2, 1.0)},
                "sentiment": {
                    "label": "negative" if negativity > 0.5 else "neutral",
                    "scores": scores,
                },
            },
        )

    def slot(name: str, value: Any) -> dict[str, Any]:
        return event("slot", name=name, value=value)

    unsure = rng.random() < 0.1  # the bot did not understand: a question for the report's list
    events = [
        event("session_started"),
        user("nlu_fallback" if unsure else TOPICS[topic], QUESTIONS[topic], negative),
        event("bot", text="Here is how ... Did that answer your question?"),
        slot("last_article", ARTICLES[topic]),
        slot("awaiting_feedback", True),
    ]
    handoff = None
    complaint = rng.random() < 0.01
    if complaint:
        events.append(user("complaint", "this is unacceptable", 0.97))
    if complaint or rng.random() < 0.1:
        events.append(user("request_human", "I want a person", negative))
        agent = rng.choice(AGENTS)
        requested = datetime.fromtimestamp(clock[0], UTC)
        wait = rng.expovariate(1 / 90)
        events.append(slot("handoff", {"status": "queued", "reason": "asked for a person"}))
        clock[0] += wait
        events.append(slot("handoff", {"status": "assigned", "agent": agent}))
        events.append(event("bot", text="Hi, how can I help?", metadata={"agent": agent}))
        handoff = {
            "id": f"h-{sender}",
            "conversation_id": sender,
            "channel": channel,
            "status": "closed",
            "priority": "high" if complaint else "normal",
            "priority_rank": 0 if complaint else 1,
            "reason": "complaint" if complaint else "asked for a person",
            "requested_at": requested,
            "waiting_since": requested,
            "agent": agent,
            "assigned_at": requested + timedelta(seconds=wait),
            "ended_at": requested + timedelta(seconds=wait + 300),
        }
        events.append(slot("handoff", {"status": "closed", "agent": agent}))
    else:
        helped = rng.random() < 0.8
        events.append(
            user("affirm" if helped else "not_helpful", "yes" if helped else "no", negative)
        )
    events.append(slot("csat", {"status": "asked"}))
    low = False
    if rng.random() < 0.4:
        score = rng.choice([1, 2, 3, 4, 4, 5, 5, 5])
        low = score <= 2
        events.append(slot("csat", {"status": "answered", "score": score, "attribution": {}}))
        if rng.random() < 0.2:
            events.append(slot("csat", {"status": "commented", "score": score, "comment": "ok"}))
    return events, handoff, complaint, low


def web_service(root: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SUPPORTBOT_DATA_DIR": str(root),
        "SUPPORTBOT_WEB_PORT": str(port),
        "SUPPORTBOT_LOG_LEVEL": "INFO",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.web"],
        cwd=PROJECT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("the web service did not start")


def measure_dashboard(root: Path, first: date, last: date) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    SqlAccounts(f"sqlite:///{root / 'desk.db'}").add(
        "bench-lead", PASSWORD, "lead", now=datetime.now(UTC)
    )
    port = free_port()
    log = root / "web.log"
    started = time.perf_counter()
    process = web_service(root, port, log)
    url = f"http://127.0.0.1:{port}"
    # Right after start the service reads the last 30 finished days ahead (in the background);
    # the first opening (the default view, the last 7 days) waits for the days it needs. The
    # views after that are measured once the read-ahead has finished.
    views = {
        "30_days_by_day": f"from={first}&to={last}",
        "30_days_by_week": f"from={first}&to={last}&by=week",
        "30_days_one_agent": f"from={first}&to={last}&agent={AGENTS[0]}",
    }
    found: dict[str, Any] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            page.goto(f"{url}/console")
            page.get_by_test_id("username").fill("bench-lead")
            page.get_by_test_id("password").fill(PASSWORD)
            page.get_by_test_id("signin").click()
            page.get_by_test_id("dashboard-link").wait_for()
            for name, query in views.items():
                began = time.perf_counter()
                page.goto(f"{url}/console/dashboard.html")  # the default view: the last 7 days
                page.locator("body[data-loaded=yes]").wait_for(timeout=600_000)
                if "open_right_after_start_7_days" not in found:
                    found["open_right_after_start_7_days"] = round(time.perf_counter() - began, 3)
                    while "finished days read ahead" not in log.read_text(errors="replace"):
                        time.sleep(1)
                    done = round(time.perf_counter() - started, 1)
                    found["read_ahead_done_after_start_s"] = done
                    page.goto(f"{url}/console/dashboard.html")
                    page.locator("body[data-loaded=yes]").wait_for(timeout=600_000)
                for field, value in (("dash-from", str(first)), ("dash-to", str(last))):
                    page.get_by_test_id(field).fill(value)
                page.get_by_test_id("dash-by").select_option("week" if "week" in name else "day")
                if "agent" in name:
                    page.get_by_test_id("dash-agent").select_option(AGENTS[0])
                page.evaluate("document.body.removeAttribute('data-loaded')")
                started = time.perf_counter()
                page.get_by_test_id("dash-show").click()
                page.locator("body[data-loaded=yes]").wait_for(timeout=600_000)
                seconds = time.perf_counter() - started
                api_started = time.perf_counter()
                cookies = {c["name"]: c["value"] for c in page.context.cookies()}
                request = urllib.request.Request(
                    f"{url}/api/dashboard?{query}",
                    headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
                )
                with urllib.request.urlopen(request, timeout=600) as reply:
                    body = json.loads(reply.read())
                found[name] = {
                    "page_seconds": round(seconds, 3),
                    "api_seconds_after": round(time.perf_counter() - api_started, 3),
                    "conversations": body["total"]["conversations"],
                }
            browser.close()
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                found["web_service_memory_mb"] = round(int(line.split()[1]) / 1024)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(SEED)
    last = datetime.now(ZONE).date() - timedelta(days=1)
    first = last - timedelta(days=args.days - 1)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.perf_counter()
        counts = generate(
            f"sqlite:///{root / 'tracker.db'}",
            f"sqlite:///{root / 'desk.db'}",
            args.days,
            args.per_day,
            last,
            rng,
        )
        generated = time.perf_counter() - started
        print(f"generated {counts} in {generated:.0f} s", flush=True)
        settings = Settings.create(home=PROJECT, data_dir=root)
        stores = Services(settings).report_stores()
        redactor = Redactor("FH[0-9]{4,8}")
        seconds = []
        checks = []
        now = datetime.now(UTC)
        for offset in range(args.days):
            day = first + timedelta(days=offset)
            began = time.perf_counter()
            report = daily_report(stores, day, timezone=str(ZONE), redactor=redactor, now=now)
            seconds.append(time.perf_counter() - began)
            checks.append(report["conversations"])
            print(f"report {day}: {seconds[-1]:.1f} s, {report['conversations']} conversations")
        dashboard = measure_dashboard(root, first, last)
        print(json.dumps(dashboard), flush=True)
    write_result(
        "reporting",
        {
            "what": "daily report generation and dashboard load on generated conversations",
            "days": args.days,
            "conversations_per_day": args.per_day,
            "data": counts,
            "generate_seconds": round(generated, 1),
            "report_seconds_per_day_median": round(statistics.median(seconds), 2),
            "report_seconds_per_day_max": round(max(seconds), 2),
            "report_seconds_all_days": round(sum(seconds), 1),
            "report_conversations_per_day": sorted(set(checks)),
            "dashboard": dashboard,
        },
    )


if __name__ == "__main__":
    main()
