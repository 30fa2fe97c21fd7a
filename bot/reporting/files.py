"""The daily report's formats (JSON, CSV, HTML), and writing a day's three files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from bot.reporting.html import render


def as_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False)


def as_csv(report: dict[str, Any]) -> str:
    """A header line and one line of values (lists and objects as JSON)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(report))
    writer.writerow(
        [
            json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
            for v in report.values()
        ]
    )
    return buffer.getvalue()


def write_day(report: dict[str, Any], directory: Path, *, company: str) -> list[Path]:
    """``<date>.json``, ``<date>.csv`` and ``<date>.html`` in ``directory``; each file appears
    whole or not at all (written aside, then renamed), JSON last: it marks the day done."""
    directory.mkdir(parents=True, exist_ok=True)
    day = str(report["date"])
    written = []
    for suffix, text in (
        ("csv", as_csv(report)),
        ("html", render(report, company=company)),
        ("json", as_json(report) + "\n"),
    ):
        path = directory / f"{day}.{suffix}"
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
        written.append(path)
    return written


#: What an erased conversation's id becomes in a stored report.
ERASED = "[erased]"


def forget_in_reports(directory: Path, conversation_ids: set[str], *, company: str) -> list[Path]:
    """Replace these conversations' ids in every stored day's lists (late complaints...) with
    ``ERASED``, and write that day's three files again: the days changed (their JSON)."""
    changed = []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        report = json.loads(path.read_text(encoding="utf-8"))
        cleaned = _without_ids(report, conversation_ids)
        if cleaned != report:
            write_day(cleaned, directory, company=company)
            changed.append(path)
    return changed


def _without_ids(value: Any, conversation_ids: set[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: ERASED
            if key == "conversation_id" and item in conversation_ids
            else _without_ids(item, conversation_ids)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_ids(item, conversation_ids) for item in value]
    return value
