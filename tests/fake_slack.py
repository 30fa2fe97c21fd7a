"""A local fake of Slack's Web API, and Slack's request signing, for tests.

``FakeSlack`` is a real HTTP server on 127.0.0.1 implementing the Web API methods the bot calls
(``chat.postMessage``, ``auth.test``). The bot talks to it with the official ``slack_sdk``
client; the fake records every posted message, so tests can assert what a customer would see.
Unknown methods and bad tokens are answered the way Slack answers them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"
BOT_USER = "UBOT0001"


@dataclass
class Posted:
    channel: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None

    @property
    def buttons(self) -> list[str]:
        return [
            element["text"]["text"]
            for block in self.blocks
            if block.get("type") == "actions"
            for element in block.get("elements", [])
        ]

    def button_value(self, title: str) -> str:
        for block in self.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element["text"]["text"] == title:
                    return str(element["value"])
        raise KeyError(title)


class FakeSlack:
    """Start with ``start()``; ``api_url`` is what the bot is configured with."""

    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.posted: list[Posted] = []
        self.unexpected: list[str] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def start(self) -> FakeSlack:
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            app = web.Application()
            app.router.add_post("/api/{method}", self._method)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=serve, daemon=True).start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if request.content_type == "application/json":
            args = await request.json()
        else:
            args = dict(await request.post())
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": BOT_USER, "team_id": "T0001"})
        if method == "chat.postMessage":
            blocks = args.get("blocks") or []
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            posted = Posted(
                channel=str(args.get("channel")),
                text=str(args.get("text", "")),
                blocks=blocks,
                thread_ts=args.get("thread_ts"),
            )
            with self._lock:
                self.posted.append(posted)
            return web.json_response(
                {"ok": True, "channel": posted.channel, "ts": f"{time.time():.6f}"}
            )
        with self._lock:
            self.unexpected.append(method)
        return web.json_response({"ok": False, "error": "unknown_method"})

    def messages_to(self, channel: str) -> list[Posted]:
        with self._lock:
            return [p for p in self.posted if p.channel == channel]

    def wait_for_text(self, channel: str, text: str, *, timeout: float = 30) -> Posted:
        """Wait for a message to ``channel`` containing ``text`` (the latest such one)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [p for p in self.messages_to(channel) if text in p.text]
            if found:
                return found[-1]
            time.sleep(0.2)
        raise AssertionError(f"nothing with {text!r} in {self.messages_to(channel)}")

    def wait_for(self, channel: str, *, count: int = 1, timeout: float = 30) -> list[Posted]:
        """Wait until ``count`` messages were posted to ``channel``; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.messages_to(channel)
            if len(messages) >= count:
                return messages
            time.sleep(0.2)
        raise AssertionError(f"only {self.messages_to(channel)} posted to {channel}")


def signed_headers(
    body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    """The headers Slack sends with a request body: its timestamp and HMAC-SHA256 signature."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }
