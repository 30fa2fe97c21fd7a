"""``Dashboard``: the daily report's figures for any range of days, by day or by week, for one
channel or one agent, and the conversations behind each number (the console's dashboard).

The figures are the report's own (``daily.figures``), so the dashboard and ``supportbot
report`` always agree. Finished days are read once and kept (``cache_days`` of them); today is
read again at most every ``TODAY_FRESH`` seconds. The web service reads the last 30 finished days
when it starts (``warm``).
"""

from __future__ import annotations

import threading
import time as clock_time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.errors import SupportBotError
from bot.privacy.redactor import Redactor
from bot.reporting.daily import HandoffRecord, estimated_satisfied, figures
from bot.reporting.report import DayData, rank_unanswered
from bot.reporting.summary import Conversation
from bot.satisfaction.survey import LOW, SATISFIED

#: The longest range the dashboard shows at once (days).
MAX_DAYS = 92
#: Seconds today's data is reused before it is read again.
TODAY_FRESH = 30.0
#: The most distinct unanswered questions a view masks (the most frequent first).
MASKED_AT_MOST = 40
#: The most conversations a drill-down lists.
DRILL_LIMIT = 500

Check = Callable[[Conversation, HandoffRecord | None, set[str]], bool]

#: The conversations behind a number: name -> (label, test on a conversation).
METRICS: dict[str, tuple[str, Check]] = {
    "all": ("All conversations", lambda c, h, t: True),
    "contained": ("Contained (no person needed)", lambda c, h, t: c.contained),
    "handed_off": ("Handed to a person", lambda c, h, t: c.handed_off),
    "abandoned": ("Left while waiting", lambda c, h, t: h is not None and h.status == "abandoned"),
    "complaints": ("Complaints", lambda c, h, t: c.conversation_id in t or c.complaint),
    "rated": ("Answered the satisfaction question", lambda c, h, t: c.csat_score is not None),
    "satisfied": (
        "Satisfied (4-5)",
        lambda c, h, t: c.csat_score is not None and c.csat_score >= SATISFIED,
    ),
    "unhappy": ("Unhappy (1-2)", lambda c, h, t: c.csat_score is not None and c.csat_score <= LOW),
    "estimated_unsatisfied": (
        "Not rated, estimated unsatisfied",
        lambda c, h, t: c.csat_score is None and not estimated_satisfied(c, h),
    ),
    "failed": ("The bot failed them", lambda c, h, t: c.failed),
}


class DashboardError(SupportBotError):
    """A request the dashboard cannot answer (bad range, unknown metric)."""


@dataclass(frozen=True)
class Selection:
    first: date
    last: date
    channel: str | None = None
    agent: str | None = None

    def days(self) -> list[date]:
        if self.last < self.first:
            raise DashboardError("the range ends before it starts")
        count = (self.last - self.first).days + 1
        if count > MAX_DAYS:
            raise DashboardError(f"at most {MAX_DAYS} days at once")
        return [self.first + timedelta(days=n) for n in range(count)]


class Dashboard:
    def __init__(
        self,
        load: Callable[[date], DayData],
        *,
        zone: Callable[[], ZoneInfo],
        clock: Callable[[], datetime],
        cache_days: int = 62,
        redactor: Callable[[], Redactor] | None = None,
    ) -> None:
        self._load = load
        self._make_redactor = redactor
        self._redactor: Redactor | None = None
        self._zone = zone
        self._clock = clock
        self._cache: OrderedDict[date, DayData] = OrderedDict()
        self._cache_days = cache_days
        self._today: tuple[float, DayData] | None = None
        self._lock = threading.Lock()
        self._masking = threading.Lock()

    def figures(self, selection: Selection, *, by: str = "day") -> dict[str, Any]:
        """The figures per day (or ISO week, Monday first) and for the whole range, with the
        channels and agents that can be chosen, and the range's late complaints."""
        if by not in ("day", "week"):
            raise DashboardError("by: day or week")
        days = selection.days()
        data = [self.day(d) for d in days]
        zone, now = self._zone(), self._clock()
        periods = []
        for first, last in _periods(days, by):
            part = [d for d in data if first <= d.day <= last]
            periods.append(self._figures(part, selection, zone, now, first, last))
        total = self._figures(data, selection, zone, now, days[0], days[-1])
        total["top_unanswered"] = self._top_unanswered(data, selection)
        return {
            "from": days[0].isoformat(),
            "to": days[-1].isoformat(),
            "by": by,
            "channel": selection.channel,
            "agent": selection.agent,
            "periods": periods,
            "total": total,
            "channels": sorted({c.channel or "unknown" for d in data for c in d.conversations}),
            "agents": sorted({a for d in data for c in d.conversations for a in c.agents}),
            "metrics": {name: label for name, (label, _) in METRICS.items()},
        }

    def _top_unanswered(
        self, data: list[DayData], selection: Selection
    ) -> list[dict[str, Any]] | None:
        """The range's most frequent questions the bot did not answer, masked (None: this
        dashboard has no redactor, so it shows none)."""
        if self._make_redactor is None:
            return None
        texts = []
        for day in data:
            chosen = {c.conversation_id for c in _chosen(day, selection)[0]}
            texts += [u.text for u in day.unanswered if u.conversation_id in chosen]
        with self._masking:  # one redactor, loaded once (spaCy), used by one request at a time
            if self._redactor is None:
                self._redactor = self._make_redactor()
            return rank_unanswered(texts, self._redactor, masking=MASKED_AT_MOST)

    def conversations(self, selection: Selection, metric: str) -> dict[str, Any]:
        """The conversations behind one number of the range (newest first)."""
        if metric not in METRICS:
            raise DashboardError(f"metric: one of {', '.join(METRICS)}")
        label, check = METRICS[metric]
        found = []
        for data in (self.day(d) for d in selection.days()):
            chosen, handoffs, tickets, _ = _chosen(data, selection)
            first_handoff = _first_handoffs(handoffs)
            ticket_ids = {t.conversation_id for t in tickets}
            found += [
                c for c in chosen if check(c, first_handoff.get(c.conversation_id), ticket_ids)
            ]
        found.sort(key=lambda c: c.started_at, reverse=True)
        return {
            "metric": metric,
            "label": label,
            "count": len(found),
            "conversations": [_row(c) for c in found[:DRILL_LIMIT]],
        }

    def warm(self, days: int = 30) -> int:
        """Read the last ``days`` finished days ahead of the first visit (the web service does
        this at start, so a lead's first 30-day view comes from memory); returns days read."""
        today = self._clock().astimezone(self._zone()).date()
        read = 0
        for offset in range(1, min(days, self._cache_days) + 1):
            day = today - timedelta(days=offset)
            if day not in self._cache:
                self.day(day)
                read += 1
        return read

    def day(self, day: date) -> DayData:
        with self._lock:  # one reader per day: the read-ahead and a lead's request never both read
            return self._day(day)

    def _day(self, day: date) -> DayData:
        today = self._clock().astimezone(self._zone()).date()
        if day >= today:  # still changing: read again after a while
            fresh = self._today and clock_time.monotonic() - self._today[0] < TODAY_FRESH
            if fresh and self._today and self._today[1].day == day:
                return self._today[1]
            data = self._load(day)
            self._today = (clock_time.monotonic(), data)
            return data
        if day in self._cache:
            self._cache.move_to_end(day)
            return self._cache[day]
        data = self._load(day)
        self._cache[day] = data
        while len(self._cache) > self._cache_days:
            self._cache.popitem(last=False)
        return data

    def _figures(
        self,
        data: list[DayData],
        selection: Selection,
        zone: ZoneInfo,
        now: datetime,
        first: date,
        last: date,
    ) -> dict[str, Any]:
        conversations: list[Conversation] = []
        handoffs: list[HandoffRecord] = []
        tickets = []
        followups = 0
        for day in data:
            chosen, day_handoffs, day_tickets, day_followups = _chosen(day, selection)
            conversations += chosen
            handoffs += day_handoffs
            tickets += day_tickets
            followups += day_followups
        result = figures(
            first, zone, conversations, handoffs, tickets, now=now, followups=followups, last=last
        )
        result["until"] = last.isoformat()
        return result


def _chosen(
    data: DayData, selection: Selection
) -> tuple[list[Conversation], list[HandoffRecord], list[Any], int]:
    """The day's conversations, handoffs, complaints and follow-up count within the filter."""
    if not selection.channel and not selection.agent:
        return data.conversations, data.handoffs, data.complaints, len(data.followups)
    chosen = [
        c
        for c in data.conversations
        if (not selection.channel or (c.channel or "unknown") == selection.channel)
        and (not selection.agent or selection.agent in c.agents)
    ]
    ids = {c.conversation_id for c in chosen}
    return (
        chosen,
        [h for h in data.handoffs if h.conversation_id in ids],
        [t for t in data.complaints if t.conversation_id in ids],
        sum(f.conversation_id in ids for f in data.followups),
    )


def _first_handoffs(handoffs: Iterable[HandoffRecord]) -> dict[str, HandoffRecord]:
    first: dict[str, HandoffRecord] = {}
    for record in sorted(handoffs, key=lambda h: h.requested_at):
        first.setdefault(record.conversation_id, record)
    return first


def _periods(days: list[date], by: str) -> list[tuple[date, date]]:
    if by == "day":
        return [(d, d) for d in days]
    weeks: list[tuple[date, date]] = []
    for day in days:
        if weeks and day.isocalendar()[:2] == weeks[-1][0].isocalendar()[:2]:
            weeks[-1] = (weeks[-1][0], day)
        else:
            weeks.append((day, day))
    return weeks


def _row(conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation_id": conversation.conversation_id,
        "started_at": conversation.started_at.isoformat(),
        "channel": conversation.channel,
        "stage": conversation.stage,
        "agent": conversation.agents[-1] if conversation.agents else None,
        "handoff_reason": conversation.handoff_reason,
        "csat_score": conversation.csat_score,
        "csat_comment": conversation.csat_comment,
        "topics": conversation.topics,
        "messages": conversation.customer_messages,
    }
