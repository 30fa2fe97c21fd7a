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
