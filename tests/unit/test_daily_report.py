"""The daily figures' definitions, on small hand-made days with known answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.complaints.tickets import Complaint
from bot.reporting.daily import HandoffRecord, estimated_satisfied, figures, percentile
from bot.reporting.schedule import ScheduledReports
from bot.reporting.summary import conversations

LONDON = ZoneInfo("Europe/London")
DAY = date(2026, 11, 24)
T = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def user(intent, minute=0, negative=None, channel="socketio", text="hello"):
    parse = {"intent": {"name": intent, "confidence": 0.9}}
    if negative is not None:
        parse["sentiment"] = {"scores": {"negative": negative}}
    return {
        "event": "user",
        "timestamp": (T + timedelta(minutes=minute)).timestamp(),
        "text": text,
        "input_channel": channel,
        "parse_data": parse,
    }


def slot(name, value, minute=0):
    return {
        "event": "slot",
        "name": name,
        "value": value,
        "timestamp": (T + timedelta(minutes=minute)).timestamp(),
    }


def agent_says(minute):
    return {
        "event": "bot",
        "text": "Hi, Anna here",
        "metadata": {"agent": "anna"},
        "timestamp": (T + timedelta(minutes=minute)).timestamp(),
    }


def rows(**by_sender):
    found, row = [], 0
    for sender, events in by_sender.items():
        for event in events:
            row += 1
            found.append((row, sender, event))
    return found


def test_conversations_are_sessions_with_a_customer_message():
    found = list(
        conversations(
            rows(
                a=[
                    {"event": "session_started", "timestamp": T.timestamp()},
                    user("greet"),
                    {"event": "session_started", "timestamp": T.timestamp() + 7200},
                    user("thank", minute=121),
                ],
                silent=[{"event": "session_started", "timestamp": T.timestamp()}],
            )
        )
    )
    assert [c.conversation_id for c in found] == ["a", "a"]
    assert found[1].started_at == T + timedelta(minutes=121)


def test_a_question_the_bot_answered_from_a_translation_is_no_fallback():
    italian = user("nlu_fallback", text="Come posso restituire un articolo?")
    italian["parse_data"]["language"] = {"code": "it", "score": 0.98}
    answered, declined, english = conversations(
        rows(
            answered=[
                italian,
                slot("awaiting_feedback", True),
                user("affirm", minute=1, text="Sì, grazie"),
            ],
            declined=[user("nlu_fallback", text="Che tempo farà domani?"), user("nlu_fallback")],
            english=[
                user("nlu_fallback", text="sale stuff back, how?"),
                slot("awaiting_feedback", True),
            ],
        )
    )
    assert english.fallbacks == 1  # in English, the intents had nothing for it
    assert (answered.fallbacks, answered.answered, answered.content_after_answer) == (0, True, True)
    assert declined.fallbacks == 2


def day_of_conversations():
    return rows(
        # 1: answered, the customer says thanks: contained, estimated satisfied.
        bot_ok=[
            user("ask_returns", negative=0.1),
            slot("awaiting_feedback", True),
            slot("last_article", "returns-how-to"),
            user("affirm", minute=1, negative=0.05),
        ],
        # 2: the answer did not help, then the customer asked for a person, waited 120 s,
        #    the agent answered 30 s after taking it and closed it.
        handed=[
            user("ask_refund", negative=0.3),
            slot("awaiting_feedback", True),
            user("not_helpful", minute=1, negative=0.6),
            user("request_human", minute=2, negative=0.6),
            slot("handoff", {"status": "queued", "reason": "asked for a person"}, minute=2),
            agent_says(minute=4.5),
            user("thank", minute=6, negative=0.1),
        ],
        # 3: a complaint; the customer left while waiting.
        left=[
            user("complaint", negative=0.95, channel="slack"),
            slot("handoff", {"status": "queued", "reason": "complaint"}),
        ],
        # 4: fallback, then nothing more: not contained? It is (nobody was asked for), but
        #    not estimated satisfied (an unanswered question).
        unclear=[user("nlu_fallback", negative=0.2, text="qwxz")],
        # 5: another day (London time): not counted.
        yesterday=[
            {**user("greet"), "timestamp": (T - timedelta(days=1)).timestamp()},
        ],
    )


HANDOFFS = [
    HandoffRecord(  # counted by its own reason, not the earlier escalation it carries
        "handed",
        T + timedelta(minutes=2),
        T + timedelta(minutes=4),
        "closed",
        "asked; earlier: 2 fallbacks",
        "anna",
    ),
    HandoffRecord("left", T, None, "abandoned", "complaint", None),
]


def ticket(number, opened, *, due_hours=4, answered=None, resolved=None):
    return Complaint(
        number=number,
        conversation_id=f"c{number}",
        channel="socketio",
        priority="high",
        reason="complaint",
        message="...",
        transcript=[],
        opened_at=opened,
        first_response_due=opened + timedelta(hours=due_hours),
        resolution_due=opened + timedelta(days=5),
        first_response_at=answered,
        first_response_by="anna" if answered else None,
        resolved_at=resolved,
        resolved_by=None,
        resolution_note=None,
        status="resolved" if resolved else "responded" if answered else "open",
    )


TICKETS = [
    ticket(1, T, answered=T + timedelta(hours=1)),  # answered in time
    ticket(2, T, answered=T + timedelta(hours=5)),  # answered an hour late
    ticket(3, T + timedelta(hours=1)),  # not answered; due T+5h, late at T+6h
    ticket(4, T - timedelta(days=1)),  # another day: not counted
]


def test_the_days_figures_match_their_definitions():
    result = figures(
        DAY,
        LONDON,
        list(conversations(day_of_conversations())),
        HANDOFFS,
        TICKETS,
        now=T + timedelta(hours=6),
        followups=2,
    )
    assert result["conversations"] == 4
    assert result["contained_rate"] == 0.5  # bot_ok, unclear
    assert result["handoff_rate"] == 0.5  # handed, left
    assert result["handoffs"] == 2
    assert result["handoff_reasons"] == {"asked": 1, "complaint": 1}
    assert result["wait_p50_s"] == 120.0 and result["wait_p90_s"] == 120.0
    assert [b["count"] for b in result["wait_distribution"]] == [0, 0, 1, 0, 0]  # 2-5 min
    assert result["abandoned_rate"] == 0.5
    assert result["first_agent_response_p50_s"] == 30.0
    assert result["complaint_conversations"] == 1  # "left"
    assert result["complaints"] == 3  # tickets opened that day
    assert result["complaints_sla_breached"] == 2
    assert result["complaints_first_response_late"] == 2
    assert result["complaints_resolution_late"] == 0
    assert [t["reference"] for t in result["complaints_late"]] == ["C-00002", "C-00003"]
    assert result["followups"] == 2
    # handed (ask_refund: didn't help, then a person) failed; bot_ok (ask_returns) did not.
    assert result["weakest_intents"] == [
        {"name": "ask_refund", "conversations": 1, "failed": 1, "rate": 1.0}
    ]
    assert result["estimated_satisfaction"] == 0.5  # bot_ok (thanks), handed (closed, calm)
    assert result["csat_asked"] == 0 and result["csat_responses"] == 0
    assert result["csat_avg"] is None and result["csat_response_rate"] is None
    assert result["sentiment_start_negative"] == pytest.approx(
        (0.1 + 0.3 + 0.95 + 0.2) / 4, abs=1e-3
    )
    assert result["sentiment_end_negative"] == pytest.approx(
        (0.05 + 0.1 + 0.95 + 0.2) / 4, abs=1e-3
    )
    assert result["by_channel"] == {"socketio": 3, "slack": 1}
    assert result["by_hour"][10] == 4 and sum(result["by_hour"]) == 4  # 10:00 UTC = 10:00 GMT


def test_csat_counts_answers_only_and_estimates_only_the_unrated():
    day = rows(
        # Rated 5 by a customer the bot helped.
        happy=[
            user("ask_returns"),
            slot("csat", {"status": "asked"}, minute=1),
            slot("csat", {"status": "answered", "score": 5}, minute=2),
        ],
        # With agent anna, rated 2, then commented.
        agent=[
            user("request_human"),
            slot("handoff", {"status": "queued", "reason": "asked for a person"}),
            slot("handoff", {"status": "assigned", "agent": "anna"}, minute=1),
            slot("csat", {"status": "asked"}, minute=5),
            slot("csat", {"status": "answered", "score": 2}, minute=6),
            slot("csat", {"status": "commented", "score": 2, "comment": "slow"}, minute=7),
        ],
        # Asked, never answered, ended calmly after thanks: estimated satisfied.
        ignored=[
            user("ask_refund", negative=0.1),
            slot("awaiting_feedback", True),
            user("thank", minute=1, negative=0.05),
            slot("csat", {"status": "asked"}, minute=1),
        ],
        # Never asked; the last message was negative: estimated unsatisfied.
        unasked=[user("ask_shipping", negative=0.9)],
        # An answer that didn't help: estimated unsatisfied, and a weak article.
        unhelpful=[
            user("ask_shipping"),
            slot("awaiting_feedback", True),
            slot("last_article", "shipping-times"),
            user("not_helpful", minute=1),
        ],
    )
    found = list(conversations(day))
    result = figures(DAY, LONDON, found, [])

    assert result["csat_asked"] == 3
    assert result["csat_responses"] == 2
    assert result["csat_avg"] == 3.5
    assert result["csat_satisfied_rate"] == 0.5  # 4 and 5 count as satisfied
    assert result["csat_response_rate"] == pytest.approx(0.6667)
    assert result["csat_by_stage"] == {
        "agent": {"responses": 1, "avg": 2.0},
        "bot": {"responses": 1, "avg": 5.0},
    }
    assert result["csat_by_agent"] == {"anna": {"responses": 1, "avg": 2.0}}
    # Never mixed: the estimate covers only the three conversations nobody rated.
    assert result["estimated_satisfaction_n"] == 3
    assert result["estimated_satisfaction"] == pytest.approx(0.3333)
    assert result["weakest_articles"] == [
        {"name": "shipping-times", "answers": 1, "unhelpful": 1, "rate": 1.0}
    ]
    by_id = {c.conversation_id: c for c in found}
    assert by_id["agent"].csat_comment == "slow" and by_id["agent"].stage == "agent"


def test_an_empty_day_has_no_rates_rather_than_made_up_ones():
    result = figures(DAY, LONDON, [], [])
    assert result["conversations"] == 0
    assert result["contained_rate"] is None and result["estimated_satisfaction"] is None
    assert result["wait_p50_s"] is None and result["csat_response_rate"] is None


def test_estimated_satisfaction_rules():
    found = {c.conversation_id: c for c in conversations(day_of_conversations())}
    assert estimated_satisfied(found["bot_ok"], None)
    assert not estimated_satisfied(found["left"], HANDOFFS[1])
    assert not estimated_satisfied(found["unclear"], None)
    assert estimated_satisfied(found["handed"], HANDOFFS[0])


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([float(i) for i in range(1, 11)], 0.9) == 9.0


def test_the_running_service_writes_each_finished_day_once_and_catches_up(tmp_path):
    made: list[date] = []
    now = [datetime(2026, 11, 25, 0, 10, tzinfo=UTC)]  # 00:10 in London: within the grace

    def make(day, at):
        made.append(day)
        return {"date": day.isoformat(), "conversations": 3, "top_unanswered": []}

    reports = ScheduledReports(
        make, tmp_path, zone=lambda: LONDON, company=lambda: "Fernhill", clock=lambda: now[0]
    )
    (tmp_path / "2026-11-23.json").write_text("{}")  # written the night before
    assert reports.write_due() == []  # the day's last conversations may still be going
    now[0] = datetime(2026, 11, 25, 0, 20, tzinfo=UTC)
    written = reports.write_due()
    assert sorted(p.name for p in written) == [
        "2026-11-24.csv",
        "2026-11-24.html",
        "2026-11-24.json",
    ]
    report = json.loads((tmp_path / "2026-11-24.json").read_text())
    assert report["conversations"] == 3 and report["generated_at"].startswith("2026-11-25T00:20")
    assert (
        "<h1>Fernhill: support report for 2026-11-24</h1>"
        in (tmp_path / "2026-11-24.html").read_text()
    )
    assert reports.write_due() == []  # once

    now[0] = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # the service was down for two days
    reports.write_due()
    assert made == [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)]


class OrderRedactor:
    """Masks numbers of four or more digits, as order numbers (not sizes)."""

    def redact(self, text):
        import re

        return re.sub(r"\d{4,}", "[ORDER]", text)


@pytest.mark.parametrize("masking", [None, 5])
def test_unanswered_questions_are_counted_by_their_masked_text(masking):
    from bot.reporting.report import rank_unanswered

    texts = ["where is order 12345", "Where is  order 67890", "where is order 555555"]
    texts += ["size 38?", "size 44?", "size 38?"]

    ranked = rank_unanswered(texts, OrderRedactor(), masking=masking)

    assert ranked == [
        {"text": "where is order [ORDER]", "count": 3},
        {"text": "size 38?", "count": 2},
        {"text": "size 44?", "count": 1},  # not merged with size 38: its digits are no order
    ]


def test_figures_are_split_by_the_language_customers_wrote_in():
    def said(intent, text, language, minute=0):
        event = user(intent, minute=minute, text=text)
        event["parse_data"]["language"] = {"code": language, "score": 0.98}
        return event

    day = rows(
        english=[said("ask_returns", "how do I return my jacket", "en")],
        italian=[
            said("nlu_fallback", "come posso restituire un articolo", "it"),
            said("request_human", "ok", "it", minute=1),  # too short to tell: still Italian
            slot("handoff", {"status": "queued", "reason": "asked for a person"}, minute=1),
        ],
        rated=[
            said("ask_returns", "kaip grąžinti prekę parduotuvei", "lt"),
            slot("csat", {"status": "answered", "score": 4}, minute=2),
        ],
        unclear=[user("greet", text="hi")],
    )

    result = figures(DAY, LONDON, list(conversations(day)), [])

    assert result["by_language"] == {
        "en": {
            "conversations": 1, "contained_rate": 1.0, "handoff_rate": 0.0,
            "csat_responses": 0, "csat_avg": None,
        },
        "it": {
            "conversations": 1, "contained_rate": 0.0, "handoff_rate": 1.0,
            "csat_responses": 0, "csat_avg": None,
        },
        "lt": {
            "conversations": 1, "contained_rate": 1.0, "handoff_rate": 0.0,
            "csat_responses": 1, "csat_avg": 4.0,
        },
        "unknown": {
            "conversations": 1, "contained_rate": 1.0, "handoff_rate": 0.0,
            "csat_responses": 0, "csat_avg": None,
        },
    }  # fmt: skip
