"""A local fake of Slack's Web API, and Slack's request signing, for tests.

``FakeSlack`` is a real HTTP server on 127.0.0.1 implementing the Web API methods the bot calls
(``chat.postMessage``, ``auth.test``, and sharing a file: ``files.getUploadURLExternal``, the
upload itself, ``files.completeUploadExternal``). The bot talks to it with the official
``slack_sdk`` client; the fake records every posted message and shared file, so tests can
assert what a customer would see. It also hosts files a customer shares (``host_file``), served
only with the bot's token, as Slack's ``url_private_download`` is. Unknown methods and bad
tokens are answered the way Slack answers them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
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


@dataclass
class SharedFile:
    channel: str
    name: str
    data: bytes
    comment: str
    thread_ts: str | None = None


class FakeSlack:
    """Start with ``start()``; ``api_url`` is what the bot is configured with."""

    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.posted: list[Posted] = []
        self.shared: list[SharedFile] = []
        self.unexpected: list[str] = []
        self._uploads: dict[str, tuple[str, bytes | None]] = {}  # file id: name, bytes
        self._hosted: dict[str, bytes] = {}
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
            app.router.add_post("/upload/{file_id}", self._upload)
            app.router.add_get("/files/{file_id}/{name}", self._download)
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
            args = {**request.query, **dict(await request.post())}
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
        if method == "files.getUploadURLExternal":
            file_id = "F" + uuid.uuid4().hex[:10].upper()
            with self._lock:
                self._uploads[file_id] = (str(args.get("filename")), None)
            url = f"http://127.0.0.1:{self.port}/upload/{file_id}"
            return web.json_response({"ok": True, "upload_url": url, "file_id": file_id})
        if method == "files.completeUploadExternal":
            return self._complete(args)
        with self._lock:
            self.unexpected.append(method)
        return web.json_response({"ok": False, "error": "unknown_method"})

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        with self._lock:
            if file_id not in self._uploads:
                return web.Response(status=404)
            self._uploads[file_id] = (self._uploads[file_id][0], data)
        return web.Response(text=f"OK - {len(data)}")

    def _complete(self, args: dict[str, Any]) -> web.Response:
        files = json.loads(str(args.get("files") or "[]"))
        done = []
        with self._lock:
            for file in files:
                name, data = self._uploads.pop(file["id"], ("", None))
                if data is None:
                    return web.json_response({"ok": False, "error": "file_not_found"})
                self.shared.append(
                    SharedFile(
                        channel=str(args.get("channel_id")),
                        name=name,
                        data=data,
                        comment=str(args.get("initial_comment") or ""),
                        thread_ts=args.get("thread_ts") or None,
                    )
                )
                done.append({"id": file["id"], "title": file.get("title")})
        return web.json_response({"ok": True, "files": done})

    def host_file(self, name: str, mimetype: str, data: bytes) -> dict[str, Any]:
        """A file a customer shares: its Slack file object (as in a message's ``files``)."""
        file_id = "F" + uuid.uuid4().hex[:10].upper()
        with self._lock:
            self._hosted[file_id] = data
        return {
            "id": file_id,
            "name": name,
            "mimetype": mimetype,
            "size": len(data),
            "url_private_download": f"http://127.0.0.1:{self.port}/files/{file_id}/{name}",
        }

    async def _download(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(status=302, headers={"Location": "https://slack.com/signin"})
        with self._lock:
            data = self._hosted.get(request.match_info["file_id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    def files_to(self, channel: str) -> list[SharedFile]:
        with self._lock:
            return [f for f in self.shared if f.channel == channel]

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
