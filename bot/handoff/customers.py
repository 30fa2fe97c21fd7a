"""``Activity``: whether a customer is typing, and whether their chat page is still open.

The website channel (in the Rasa server's process) records it; the support desk's feed (in
the web service) reads it to show the agent "the customer is typing" and to mark a handoff
abandoned when the customer's page has stayed closed for ``live_chat.abandon_after_seconds``.
It is kept in the desk database, so it does not matter which process records or reads it.

Only conversations with the team are recorded (the channel asks ``wanted`` first), so
ordinary chats with the bot write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Activity:
    typing_at: datetime | None = None
    left_at: datetime | None = None

    def typing(self, now: datetime, *, within_seconds: float) -> bool:
        return self.typing_at is not None and (now - self.typing_at).total_seconds() < (
            within_seconds
        )

    def gone_for(self, now: datetime) -> float | None:
        """Seconds since the customer's last chat page closed (None: a page is open)."""
        return None if self.left_at is None else (now - self.left_at).total_seconds()
