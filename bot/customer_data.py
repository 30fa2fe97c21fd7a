"""A customer's data across the product: found, exported, erased, and kept no longer than the
business says (``privacy.retention_days`` in ``business.yml``).

The stores' side is ``bot.storage.privacy``; stored daily reports name conversations only in
their lists (late complaints), where an erased one becomes ``[erased]``. Used by ``supportbot
privacy`` and, once a day, by the web service on duty (the retention purge).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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

    def find(self, *, conversations: list[str], mentioning: list[str]) -> list[str]:
        """The conversations named, and those in which any of ``mentioning`` appears."""
        found = dict.fromkeys(c for c in conversations if c)
        for text in mentioning:
            found.update(dict.fromkeys(self.store.conversations_mentioning(text)))
        return list(found)

    def export(self, conversation_ids: list[str]) -> dict[str, Any]:
        return {"conversations": [self.store.export(c) for c in conversation_ids]}

    def forget(self, conversation_id: str) -> dict[str, int]:
        """Erase one conversation everywhere: rows erased per table, and report days changed."""
        erased = self.store.forget(conversation_id)
        days = forget_in_reports(self.reports_dir, conversation_id, company=self.company())
        erased["report_days"] = len(days)
        logger.info("erased conversation %s", conversation_ref(conversation_id))
        return erased

    def purge_due(self, now: datetime) -> list[str]:
        """Once a day: erase the conversations idle longer than the retention period (none
        with a handoff or complaint still open). The conversations erased."""
        days = self.retention_days()
        if days is None or self._purged_on == now.date():
            return []
        erased = self.purge(now - timedelta(days=days))
        self._purged_on = now.date()
        if erased:
            logger.info("retention: %d conversations idle over %d days erased", len(erased), days)
        return erased

    def purge(self, idle_since: datetime) -> list[str]:
        """Erase every conversation whose latest event is older than ``idle_since``."""
        erased: dict[str, None] = {}
        cutoff = idle_since.timestamp()
        while batch := [c for c in self.store.idle_before(cutoff) if c not in erased]:
            for conversation_id in batch:
                self.forget(conversation_id)
                erased[conversation_id] = None
        return list(erased)
