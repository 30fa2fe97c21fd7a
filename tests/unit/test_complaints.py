"""Complaint tickets: reference, deadlines in the team's working time, what the customer is
told, first response and resolution, lateness; and the team's API for tickets and follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actions.people import ActionHandoff
from bot.business import load_business_facts
from bot.escalation import EscalationConfig, assess, turns_from_events
from bot.handoff.model import Presence
from bot.satisfaction.survey import QUESTION
from bot.services import Services
from tests.conftest import OPEN_TIME
from tests.fakes import FakeRasaApi
from tests.unit.test_actions import run, tracker
from tests.unit.test_agent_api import parts, session, waiting_customer  # noqa: F401
from tests.unit.test_review_labelling import write_tracker

LONDON = ZoneInfo("Europe/London")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def facts(settings):
    return load_business_facts(settings.business_facts_file)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (local(2026, 11, 24, 11), 4, local(2026, 11, 24, 15)),  # Tuesday, inside the day
        (local(2026, 11, 24, 7), 4, local(2026, 11, 24, 13)),  # before opening
        (local(2026, 11, 27, 15), 4, local(2026, 11, 28, 12)),  # Friday 2 h + Saturday 2 h
        (local(2026, 11, 29, 12), 4, local(2026, 11, 30, 13)),  # Sunday: closed
        (local(2026, 12, 24, 16), 4, local(2026, 12, 29, 12)),  # holidays 25, 26 and 28 Dec
    ],
)
def test_working_hours_skip_nights_weekends_and_holidays(facts, start, hours, expected):
    assert facts.hours.after_working_hours(start, hours) == expected


def test_working_days_count_from_the_next_day_and_end_at_closing(facts):
    # Tuesday + 5 working days: Wed, Thu, Fri, Sat (the team works 10-14), Mon.
    assert facts.hours.after_working_days(local(2026, 11, 24, 11), 5) == local(2026, 11, 30, 17)


@pytest.fixture
def services(settings, demo_searcher, hash_embedder, open_clock) -> Services:
    return Services(settings, clock=open_clock, embedder=hash_embedder, searcher=demo_searcher)


def complain(services: Services, text: str = "this is unacceptable, I want to complain"):
    latest = tracker(text, "complaint", earlier=[("where is my parcel", "ask_order_status")])
    return run(ActionHandoff(services), latest)


def test_a_complaint_gets_a_reference_and_its_deadlines(services):
    services.handoff_queue.set_presence("anna", Presence.ONLINE, capacity=2, now=OPEN_TIME)

    messages, _ = complain(services)

    text = messages[0]["text"]
    assert "I've logged your complaint as C-00001" in text
    assert "will reply by today at 15:00 (UK time) (4 working hours at most)" in text
    assert "we aim to resolve it by Monday 30 November" in text
    assert "you're next in the queue" in text  # and a person is on the way now
    [ticket] = services.complaints.listing()
    assert ticket.reference == "C-00001" and ticket.priority == "high"
    assert ticket.message == "this is unacceptable, I want to complain"
    assert [item["text"] for item in ticket.transcript] == [
        "where is my parcel",
        "this is unacceptable, I want to complain",
    ]
    assert ticket.first_response_due == local(2026, 11, 24, 15).astimezone(UTC)

    again, _ = complain(services, "and another thing")
    assert "C-00001" in again[0]["text"]
    assert len(services.complaints.listing()) == 1  # one open ticket per conversation


def threaten(text: str, *, recorded: bool):
    """The customer's message as the action gets it: decided by the action itself (a rule
    led there), or with the decision the escalation policy recorded."""
    earlier = [("where is my refund", "ask_refund")]
    latest = tracker(text, "ask_payment", earlier=earlier)
    if not recorded:
        return latest
    turns = turns_from_events(latest.events)
    record = assess(turns, EscalationConfig()).as_record(turns[-1].number)
    return tracker(text, "ask_payment", earlier=earlier, escalation=record)


@pytest.mark.parametrize("recorded", [False, True], ids=["decided-here", "policy-recorded"])
def test_a_chargeback_threat_in_other_words_opens_a_complaint(services, recorded):
    services.handoff_queue.set_presence("anna", Presence.ONLINE, capacity=2, now=OPEN_TIME)
    text = "I'm going to my bank to dispute the payment"

    messages, _ = run(ActionHandoff(services), threaten(text, recorded=recorded))

    assert "I've logged your complaint as C-00001" in messages[0]["text"]
    [ticket] = services.complaints.listing()
    assert ticket.priority == "high" and ticket.message == text
    assert ticket.reason == "complaint: disputes the payment with the bank"
    [waiting] = services.handoff_queue.waiting()
    assert waiting.reason == ticket.reason  # the agent reads why


def test_a_calm_refund_question_handed_over_opens_no_complaint(services):
    services.handoff_queue.set_presence("anna", Presence.ONLINE, capacity=2, now=OPEN_TIME)

    run(ActionHandoff(services), threaten("how long does a refund take?", recorded=False))

    assert services.complaints.listing() == []
    assert len(services.handoff_queue.waiting()) == 1


def test_a_complaint_when_nobody_can_chat_says_how_the_team_will_reach_them(
    settings, demo_searcher, closed_clock
):
    services = Services(settings, clock=closed_clock, searcher=demo_searcher)

    messages, _ = complain(services)

    text = messages[0]["text"]
    assert "C-00001" in text
    assert "will reply by tomorrow at 13:00 (UK time)" in text  # Monday 9:00 + 4 h
    assert "Our team is back tomorrow at 9:00 (UK time)" in text
    assert "leave a message with your email address or phone number" in text
    assert "quoting C-00001" in text
    assert [b["title"] for b in messages[0]["buttons"]] == [
        "Leave a message",
        "Keep chatting with the bot",
    ]
    assert services.handoff_queue.waiting() == []  # nobody is promised a chat


def test_lateness_of_each_promise(services):
    services.handoff_queue.set_presence("anna", Presence.ONLINE, capacity=2, now=OPEN_TIME)
    complain(services)
    store = services.complaints
    ticket = store.get("C-00001")
    due = ticket.first_response_due
    assert not ticket.breached(due)
    assert ticket.first_response_late(due + timedelta(seconds=1))

    answered = store.responded(ticket.conversation_id, by="anna", now=due - timedelta(hours=1))
    assert answered == ["C-00001"]
    ticket = store.get("c-00001")
    assert ticket.status == "responded" and not ticket.first_response_late(due + timedelta(days=1))
    assert ticket.resolution_late(ticket.resolution_due + timedelta(seconds=1))
    assert store.responded(ticket.conversation_id, by="ben", now=due) == []  # the first counts

    with pytest.raises(Exception, match="needs a note"):
        store.resolve("C-00001", by="lea", note="", now=due)
    resolved = store.resolve("C-00001", by="lea", note="refunded, apologised", now=due)
    assert resolved.status == "resolved" and not resolved.breached(due + timedelta(days=30))
    assert store.listing() == []


def test_the_team_api_for_complaints_and_follow_ups(settings, parts):  # noqa: F811
    complaints, followups = parts.complaints, parts.followups
    ticket, _ = complaints.open(
        "c1",
        channel="socketio",
        priority="high",
        reason="complaint",
        message="my order is late <again>",
        transcript=[{"from": "customer", "text": "my order is late <again>"}],
        first_response_due=OPEN_TIME + timedelta(hours=4),
        resolution_due=OPEN_TIME + timedelta(days=5),
        now=OPEN_TIME - timedelta(hours=5),  # its first response is overdue at OPEN_TIME
    )
    item = followups.open(
        "c2",
        channel="slack",
        reason="low satisfaction score (1/5)",
        score=1,
        comment=None,
        stage="bot",
        agent=None,
        now=OPEN_TIME,
    )
    complaints.open(
        "c3",
        channel="slack",
        priority="high",
        reason="complaint",
        message="rude",
        transcript=[],
        first_response_due=OPEN_TIME + timedelta(hours=3),
        resolution_due=OPEN_TIME + timedelta(days=5),
        now=OPEN_TIME,
    )
    ticket = complaints.get(ticket.reference)
    assert ticket.first_response_late(OPEN_TIME + timedelta(hours=5))

    async def script(client, login):
        anna = await login("anna")
        late = await (await client.get("/api/complaints?status=late", headers=anna)).json()
        one = await (await client.get("/api/complaints/C-00001", headers=anna)).json()
        missing = await client.get("/api/complaints/C-09999", headers=anna)
        bad = await client.get("/api/complaints?status=sideways", headers=anna)
        no_note = await client.post("/api/complaints/C-00001/resolve", json={}, headers=anna)
        answered = await client.post("/api/complaints/C-00002/responded", headers=anna)
        twice = await client.post("/api/complaints/C-00002/responded", headers=anna)
        resolved = await client.post(
            "/api/complaints/C-00001/resolve", json={"note": "refund sent"}, headers=anna
        )
        open_items = await (await client.get("/api/followups", headers=anna)).json()
        done = await client.post(
            f"/api/followups/{item.id}/done", json={"note": "called back"}, headers=anna
        )
        after = await (await client.get("/api/followups", headers=anna)).json()
        nobody = await client.get("/api/complaints", headers={"Authorization": "Bearer nope"})
        return (
            late,
            one,
            missing.status,
            bad.status,
            no_note.status,
            answered.status,
            twice.status,
            await resolved.json(),
            open_items,
            done.status,
            after,
            nobody.status,
        )

    (
        late,
        one,
        missing,
        bad,
        no_note,
        answered,
        twice,
        resolved,
        open_items,
        done,
        after,
        nobody,
    ) = session(settings, parts, script)
    assert [c["reference"] for c in late["complaints"]] == []  # OPEN_TIME: nothing late yet
    assert one["transcript"][0]["text"] == "my order is late <again>"
    assert (missing, bad, no_note, answered, twice, nobody) == (404, 400, 400, 200, 409, 401)
    assert resolved["status"] == "resolved" and resolved["resolved_by"] == "anna"
    assert [i["id"] for i in open_items["followups"]] == [item.id]
    assert done == 200 and after["followups"] == []


def test_an_agents_first_message_answers_the_complaint_and_closing_asks_the_survey(
    settings,
    parts,  # noqa: F811
    tmp_path,
):
    write_tracker(
        tmp_path / "tracker.db",
        {
            "c1": [
                {"event": "user", "text": "awful", "parse_data": {"intent": {"name": "complaint"}}}
            ]
        },
    )
    parts.complaints.open(
        "c1",
        channel="socketio",
        priority="high",
        reason="complaint",
        message="awful",
        transcript=[],
        first_response_due=OPEN_TIME + timedelta(hours=4),
        resolution_due=OPEN_TIME + timedelta(days=5),
        now=OPEN_TIME,
    )
    handoff = waiting_customer(parts, "c1", priority="high")

    async def script(client, login):
        anna = await login("anna")
        await client.post(f"/api/handoffs/{handoff}/claim", headers=anna)
        await client.post(
            f"/api/handoffs/{handoff}/messages", json={"text": "So sorry"}, headers=anna
        )
        await client.post(f"/api/handoffs/{handoff}/close", json={"note": "fixed"}, headers=anna)

    session(settings, parts, script)
    ticket = parts.complaints.get("C-00001")
    assert ticket.status == "responded" and ticket.first_response_by == "anna"
    assert ticket.first_response_at == OPEN_TIME
    rasa: FakeRasaApi = parts.desk.delivery.rasa  # type: ignore[assignment]
    assert rasa.texts("c1")[-1] == QUESTION
    closing = rasa.appended[-1][1]
    survey = next(e for e in closing if e.get("name") == "csat")
    assert survey["value"]["asked_by"] == "agent:anna"
