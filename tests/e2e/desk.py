"""Helpers for end-to-end tests of the support desk: agents, the agent API, business hours."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

PASSWORD = "correct horse battery"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def set_hours(kb_dir: Path, hours: str) -> None:
    path = kb_dir / "business.yml"
    text = path.read_text()
    for day in WEEKDAYS:
        text = re.sub(
            rf"(?m)^(\s+{day}): .*$",
            rf'\1: "{hours}"' if hours != "closed" else r"\1: closed",
            text,
        )
    text = re.sub(r"(?m)^  holidays:\n(    - .*\n)+", "  holidays: []\n", text)
    path.write_text(text)


def add_agent(running_bot, name: str, role: str = "agent") -> None:
    env = running_bot.env  # the same settings: the same database
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "supportbot"),
            "agent",
            "add",
            "--name",
            name,
            "--password",
            PASSWORD,
            "--role",
            role,
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 or "already a user" in result.stderr, result.stderr


def api(running_bot, method: str, path: str, body: dict | None = None, token: str | None = None):
    request = urllib.request.Request(
        running_bot.web_url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
