"""A customer's data across the product: found, exported, erased, and kept no longer than the
business says (``privacy.retention_days`` in ``business.yml``).

The stores' side is ``bot.storage.privacy``; stored daily reports name conversations only in
their lists (late complaints), where an erased one becomes ``[erased]``. Used by ``supportbot
privacy`` and, once a day, by the web service on duty (the retention purge).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.privacy.log_ids import conversation_ref
from bot.reporting.files import forget_in_reports
from bot.storage.privacy import SqlPrivacy

logger = logging.getLogger(__name__)


@dataclass
class CustomerData:
    store: SqlPrivacy
    reports_dir: Path
    company: Callable[[], str]
    retention_days: Callable[[], int | None]
    #: The day the purge last ran in this process (it runs once a day).
    _purged_on: date | None = field(default=None, init=False)

    def find(self, *, conversations: list[str], mentioning: list[str]) -> dict[str, str]:
        """The conversations named, and those in which any of ``mentioning`` appears as a
        whole: each with where it was found (the words around the first mention)."""
        found = {c: "named" for c in conversations if c}
        for text in mentioning:
            for conversation, around in self.store.conversations_mentioning(text).items():
                found.setdefault(conversation, around)
        return found

    def export(self, conversation_ids: list[str]) -> dict[str, Any]:
        return {"conversations": [self.store.export(c) for c in conversation_ids]}

    def forget(self, conversation_ids: list[str]) -> dict[str, dict[str, int]]:
        """Erase these conversations everywhere: rows erased per table, per conversation.

        Stored reports first, then the databases: a run that stops half-way still finds the
        conversations by their data the next time, and finishes. A conversation that cannot
        be erased is logged and left for the next run; the others go on."""
        days = forget_in_reports(self.reports_dir, set(conversation_ids), company=self.company())
        erased: dict[str, dict[str, int]] = {}
        for conversation_id in conversation_ids:
            try:
                erased[conversation_id] = self.store.forget(conversation_id)
            except Exception:
                logger.exception(
                    "could not erase conversation %s", conversation_ref(conversation_id)
                )
                continue
            erased[conversation_id]["report_days"] = len(days)
            logger.info("erased conversation %s", conversation_ref(conversation_id))
        return erased

    def purge_due(self, now: datetime) -> list[str]:
        """Once a day: erase the conversations idle longer than the retention period (see
        ``purge``). The conversations erased."""
        days = self.retention_days()
        if days is None or self._purged_on == now.date():
            return []
        erased = self.purge(now - timedelta(days=days))
        self._purged_on = now.date()
        if erased:
            logger.info("retention: %d conversations idle over %d days erased", len(erased), days)
        return erased

    def due(self, idle_since: datetime) -> Iterator[list[str]]:
        """Pages of the conversations with no event since ``idle_since`` that the team has not
        touched since either and that have nothing open (``SqlPrivacy.kept``)."""
        after = ""
        while page := self.store.idle_page(idle_since.timestamp(), after=after):
            after = page[-1]
            yield [c for c in page if not self.store.kept(c, idle_since)]

    def purge(self, idle_since: datetime) -> list[str]:
        """Erase every conversation due (``due``): the conversations erased."""
        erased: list[str] = []
        for page in self.due(idle_since):
            if page:
                erased += list(self.forget(page))
        return erased
