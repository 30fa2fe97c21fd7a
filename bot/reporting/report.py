"""Assembling the daily report from the installation's stores (``supportbot report``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.complaints.tickets import Complaint
from bot.privacy.redactor import Redactor
from bot.reporting.daily import HandoffRecord, figures, on_day
from bot.reporting.summary import Conversation, conversations
from bot.review.mining import Signal, mine
from bot.satisfaction.followups import FollowUp
from bot.storage.complaints import SqlComplaints
from bot.storage.followups import SqlFollowUps
from bot.storage.handoffs import SqlHandoffQueue
from bot.storage.tracker import ConversationStore

EVENT_TYPES = ("user", "bot", "slot", "session_started", "restart")
#: Signals of a question the bot did not answer (for ``top_unanswered``).
UNANSWERED = {Signal.FALLBACK, Signal.NEGATIVE_FEEDBACK, Signal.REJECTED_CHOICES}
TOP = 10
#: The most distinct texts of one look-alike group the dashboard masks (``rank_unanswered``).
MASKED_TEXTS_PER_GROUP = 20


_DIGITS = re.compile(r"\d+")
_EMAIL = re.compile(r"\S+@\S+")


@dataclass(frozen=True)
class Unanswered:
    """A question the bot did not answer, as the customer wrote it (masked only when shown)."""

    conversation_id: str
    text: str


@dataclass(frozen=True)
class DayData:
    """What one day's figures are computed from."""

    day: date
    conversations: list[Conversation]  # those that started that day
    handoffs: list[HandoffRecord]  # requested that day
    complaints: list[Complaint]  # opened that day
    followups: list[FollowUp]  # opened that day
    unanswered: tuple[Unanswered, ...] = ()  # the day's questions the bot did not answer


@dataclass(frozen=True)
class Stores:
    """Where a day's data is read from (built by ``bot.services``)."""

    conversations: ConversationStore
    handoffs: SqlHandoffQueue
    complaints: SqlComplaints
    followups: SqlFollowUps


def load_day(stores: Stores, day: date, zone: ZoneInfo) -> DayData:
    """One day (in ``zone``) from the tracker store and the support desk's database."""
    start = datetime.combine(day, time(0), zone)
    end = start + timedelta(days=1)
    rows = day_rows(stores.conversations, start, end)
    found = [c for c in conversations(rows) if on_day(c.started_at, day, zone)]
    return DayData(
        day=day,
        conversations=found,
        handoffs=handoffs_requested(stores.handoffs, start, end),
        complaints=stores.complaints.between(start, end),
        followups=stores.followups.between(start, end),
        unanswered=tuple(unanswered_questions(rows, day, zone)),
    )


def daily_report(
    stores: Stores, day: date, *, timezone: str, redactor: Redactor, now: datetime
) -> dict[str, Any]:
    """The day's figures (in ``timezone``); promises to complaints are judged as of ``now``."""
    zone = ZoneInfo(timezone)
    data = load_day(stores, day, zone)
    result = figures(
        day,
        zone,
        data.conversations,
        data.handoffs,
        data.complaints,
        now=now,
        followups=len(data.followups),
    )
    today = {c.conversation_id for c in data.conversations}
    asked = [u.text for u in data.unanswered if u.conversation_id in today]
    result["top_unanswered"] = rank_unanswered(asked, redactor)
    result["timezone"] = timezone
    return result


def day_rows(
    store: ConversationStore, start: datetime, end: datetime
) -> list[tuple[int, str, dict[str, Any]]]:
    """The events of every conversation in which a customer wrote between ``start`` and
    ``end``, from a day before to a day after (enough for any conversation of the day: a
    conversation ends after an hour of silence), rather than the whole store."""
    active = store.active_between(start.timestamp(), end.timestamp())
    margin = timedelta(days=1)
    window = ((start - margin).timestamp(), (end + margin).timestamp())
    return list(store.scan(EVENT_TYPES, conversations=active, between=window))


def handoffs_requested(
    queue: SqlHandoffQueue, start: datetime, end: datetime
) -> list[HandoffRecord]:
    """Handoffs requested in ``[start, end)``, from the support desk's database."""
    return [
        HandoffRecord(
            conversation_id=h.conversation_id,
            requested_at=h.requested_at,
            assigned_at=h.assigned_at,
            status=h.status.value,
            reason=h.reason,
            agent=h.agent,
            channel=h.channel,
        )
        for h in queue.requested_between(start, end)
    ]


def unanswered_questions(
    rows: list[tuple[int, str, dict[str, Any]]], day: date, zone: ZoneInfo
) -> list[Unanswered]:
    """The day's customer messages the bot did not answer (``UNANSWERED``), as written."""
    return [
        Unanswered(candidate.conversation_id, candidate.text)
        for candidate in mine(rows)
        if candidate.signals & UNANSWERED and on_day(candidate.sent_at, day, zone)
    ]


def rank_unanswered(
    texts: Sequence[str], redactor: Redactor, *, top: int = TOP, masking: int | None = None
) -> list[dict[str, Any]]:
    """The most frequent of ``texts``, personal data masked, counted by their masked text
    (each distinct text is masked once).

    ``masking``: for a view that must answer at once (the dashboard over weeks), only the
    texts of the ``masking`` most frequent look-alike groups (the same but for case, spacing,
    digits and e-mail addresses) are masked and counted, at most ``MASKED_TEXTS_PER_GROUP`` of
    each: the other, rarer questions are left out. None masks and counts every text, as the
    daily report does."""
    distinct = Counter(" ".join(text.split()) for text in texts)
    if masking is not None:
        groups: dict[str, list[str]] = {}
        for text, _count in distinct.most_common():
            groups.setdefault(_rough_key(text), []).append(text)
        weight = Counter(
            {key: sum(distinct[t] for t in members) for key, members in groups.items()}
        )
        chosen = [
            t
            for key, _ in weight.most_common(masking)
            for t in groups[key][:MASKED_TEXTS_PER_GROUP]
        ]
        distinct = Counter({text: distinct[text] for text in chosen})
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for text, count in distinct.items():
        masked = redactor.redact(text)
        key = masked.lower()
        counts[key] += count
        shown.setdefault(key, masked)
    return [{"text": shown[key], "count": count} for key, count in counts.most_common(top)]


def _rough_key(text: str) -> str:
    """Texts that differ only in case, spacing, digits or an e-mail address look alike: their
    group is worth masking first (``rank_unanswered``)."""
    return " ".join(_DIGITS.sub("0", _EMAIL.sub("@", text.lower())).split())
