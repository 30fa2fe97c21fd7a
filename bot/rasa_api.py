"""Talking to the Rasa server's HTTP API (enabled by ``supportbot run``, token-protected).

The token is created on first use in ``var/secrets/rasa_api_token`` and shared by the
processes of one installation (the supervisor, the web service).
"""

from __future__ import annotations

import json
import secrets
import urllib.parse
import urllib.request
from typing import Any

from bot.settings import Settings


def rasa_api_token(settings: Settings) -> str:
    """The token protecting Rasa's HTTP API, created on first use (readable by us only)."""
    path = settings.data_dir / "secrets" / "rasa_api_token"
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(32)
    path.write_text(token)
    path.chmod(0o600)
    return token


def api_url(settings: Settings, path: str, **query: str) -> str:
    """``path`` on the Rasa server, with the token and ``query`` parameters."""
    params = urllib.parse.urlencode({**query, "token": rasa_api_token(settings)})
    return f"{settings.rasa_url}{path}?{params}"


def parse(settings: Settings, text: str, *, timeout: float = 60) -> dict[str, Any]:
    """Run the NLU pipeline on ``text`` (no conversation is created)."""
    request = urllib.request.Request(
        api_url(settings, "/model/parse"),
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        result: dict[str, Any] = json.loads(reply.read())
    return result
