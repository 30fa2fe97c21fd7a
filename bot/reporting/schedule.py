"""``ScheduledReports``: the running web service writes each day's report by itself.

Shortly after midnight (business timezone; ``GRACE`` later, so the last conversations of the
day have ended) yesterday's report is written to ``var/reports/<date>.json|csv|html``. Days
missed while the service was down are caught up, up to ``CATCH_UP_DAYS`` back from the last
report written (a new installation starts with yesterday).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.reporting.files import write_day

logger = logging.getLogger(__name__)

#: How long after midnight a day's report waits for the day's last conversations.
GRACE = timedelta(minutes=15)
#: The most days caught up after the service was down.
CATCH_UP_DAYS = 7

MakeReport = Callable[[date, datetime], dict[str, Any]]


class ScheduledReports:
    def __init__(
        self,
        make: MakeReport,
        directory: Path,
        *,
        zone: Callable[[], ZoneInfo],
        company: Callable[[], str],
        clock: Callable[[], datetime],
    ) -> None:
        self.make = make
        self.directory = directory
        self.zone = zone
        self.company = company
        self.clock = clock

    def due(self, now: datetime) -> list[date]:
        """The finished days whose report is not written yet, oldest first."""
        last_finished = (now - GRACE).astimezone(self.zone()).date() - timedelta(days=1)
        written = sorted(
            date.fromisoformat(p.stem) for p in self.directory.glob("*.json") if _is_day(p.stem)
        )
        first = last_finished
        if written:
            first = max(written[-1] + timedelta(days=1), last_finished - timedelta(CATCH_UP_DAYS))
        days = []
        day = first
        while day <= last_finished:
            days.append(day)
            day += timedelta(days=1)
        return days

    def write_due(self) -> list[Path]:
        """Write every due day's report; returns the files written."""
        now = self.clock()
        written: list[Path] = []
        for day in self.due(now):
            report = self.make(day, now)
            report["generated_at"] = now.isoformat()
            written += write_day(report, self.directory, company=self.company())
            logger.info("daily report for %s written to %s", day, self.directory)
        return written


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
