"""Opening a complaint ticket from a conversation, with its deadlines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.business import BusinessFacts
from bot.complaints.tickets import Complaint
from bot.conversations.transcript import transcript
from bot.storage.complaints import SqlComplaints


def open_complaint(
    store: SqlComplaints,
    facts: BusinessFacts,
    conversation_id: str,
    *,
    channel: str,
    priority: str,
    reason: str,
    message: str,
    events: Sequence[dict[str, Any]],
    now: datetime,
) -> tuple[Complaint, bool]:
    """The conversation's open ticket, or a new one whose deadlines count the team's working
    time from ``now`` (``complaints`` in the business facts). True when it is new."""
    policy = facts.complaints
    return store.open(
        conversation_id,
        channel=channel,
        priority=priority,
        reason=reason,
        message=message,
        transcript=[item.to_json() for item in transcript(events)],
        first_response_due=facts.hours.after_working_hours(now, policy.first_response_hours),
        resolution_due=facts.hours.after_working_days(now, policy.resolution_days),
        now=now,
    )
