"""Assembling the daily report from the installation's stores (``supportbot report``)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.complaints.tickets import SqlComplaints
from bot.conversations.store import ConversationStore
from bot.database import database_engine, stored_utc
from bot.handoff.queue import handoffs as handoffs_table
from bot.handoff.queue import metadata as desk_metadata
from bot.privacy.redactor import Redactor
from bot.reporting.daily import HandoffRecord, figures, on_day
from bot.reporting.summary import conversations
from bot.review.mining import Signal, mine
from bot.satisfaction.followups import SqlFollowUps
from bot.settings import Settings

EVENT_TYPES = ("user", "bot", "slot", "session_started")
#: Signals of a question the bot did not answer (for ``top_unanswered``).
UNANSWERED = {Signal.FALLBACK, Signal.NEGATIVE_FEEDBACK, Signal.REJECTED_CHOICES}
TOP = 10


def daily_report(
    settings: Settings, day: date, *, timezone: str, redactor: Redactor, now: datetime
) -> dict[str, Any]:
    """The day's figures (in ``timezone``); promises to complaints are judged as of ``now``."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone)
    end = start + timedelta(days=1)
    rows = day_rows(ConversationStore(settings.tracker_store_url), start, end)
    found = list(conversations(rows))
    tickets = SqlComplaints(settings.desk_db_url).between(start, end)
    followups = SqlFollowUps(settings.desk_db_url).between(start, end)
    result = figures(
        day,
        zone,
        found,
        handoffs_requested(settings.desk_db_url, day, zone),
        tickets,
        now=now,
        followups=len(followups),
    )
    today = {c.conversation_id for c in found if on_day(c.started_at, day, zone)}
    result["top_unanswered"] = top_unanswered(
        [r for r in rows if r[1] in today], day, zone, redactor
    )
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


def handoffs_requested(url: str, day: date, zone: ZoneInfo) -> list[HandoffRecord]:
    """Handoffs requested on ``day`` (in ``zone``), from the support desk's database."""
    start = datetime.combine(day, time(0), zone)
    end = start + timedelta(days=1)
    engine = database_engine(url)
    desk_metadata.create_all(engine)
    query = sa.select(handoffs_table).where(
        handoffs_table.c.requested_at >= start.astimezone(UTC),
        handoffs_table.c.requested_at < end.astimezone(UTC),
    )
    with engine.connect() as connection:
        return [
            HandoffRecord(
                conversation_id=row.conversation_id,
                requested_at=stored_utc(row.requested_at),
                assigned_at=stored_utc(row.assigned_at) if row.assigned_at else None,
                status=row.status,
                reason=row.reason,
                agent=row.agent,
            )
            for row in connection.execute(query)
        ]


def top_unanswered(
    rows: list[tuple[int, str, dict[str, Any]]], day: date, zone: ZoneInfo, redactor: Redactor
) -> list[dict[str, Any]]:
    """The day's most frequent questions the bot did not answer, personal data masked."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for candidate in mine(rows):
        if not (candidate.signals & UNANSWERED) or not on_day(candidate.sent_at, day, zone):
            continue
        masked = redactor.redact(candidate.text)
        key = " ".join(masked.lower().split())
        counts[key] += 1
        shown.setdefault(key, masked)
    return [{"text": shown[key], "count": count} for key, count in counts.most_common(TOP)]
