"""A customer's chat page as the widget talks to Rasa: Socket.IO long-polling, session
persistence, ``user_uttered`` / ``bot_uttered``, and the widget's way through a lost
connection: it reconnects (within 5 s), sends again every message the server has not
acknowledged (same ``client_message_id``: the server ignores a second copy), and reads the
conversation's history from the web service (``/widget/history/<session>``) for replies sent
while it was away. Keeps the load balancer's cookie (python's cookie jar refuses cookies from
a bare IP address unless told not to), so a page stays with its Rasa server as a browser's
does. Used by the cluster benchmark and its end-to-end test."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
import aiohttp.abc
import socketio

from bot.runtime.haproxy import STICKY_COOKIE


class ChatPage:
    def __init__(
        self,
        url: str,
        *,
        web_url: str | None = None,
        server: str | None = None,
        listener: Callable[[dict[str, Any]], None] | None = None,
        on_history: Callable[[list[dict[str, Any]]], None] | None = None,
        cookies: bool = True,
    ) -> None:
        """``url``: where Rasa's Socket.IO is; ``web_url``: the web service, for the
        history after a reconnect (default ``url``); ``server``: start with the load
        balancer's cookie for that server (``r1``...); ``listener``: called with each
        message heard (else they are queued for ``hear``); ``on_history``: called with the
        conversation's history after each reconnect; not ``cookies``: send none, as a widget
        embedded on another site's page does."""
        self.url = url
        self.web_url = web_url or url
        self.session_id = uuid.uuid4().hex
        self.jar: aiohttp.abc.AbstractCookieJar = (
            aiohttp.CookieJar(unsafe=True) if cookies else aiohttp.DummyCookieJar()
        )
        if server is not None:
            self.jar.update_cookies({STICKY_COOKIE: server})
        self.heard: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.listener = listener
        self.on_history = on_history
        self.unacknowledged: dict[str, dict[str, Any]] = {}  # client message id -> message
        self.reconnects = 0
        self._http: aiohttp.ClientSession | None = None
        self._sio: socketio.AsyncClient | None = None
        self._confirmed = asyncio.Event()

    async def open(self) -> None:
        self._http = aiohttp.ClientSession(cookie_jar=self.jar)
        sio = socketio.AsyncClient(
            http_session=self._http, reconnection_delay=1, reconnection_delay_max=5
        )
        self._sio = sio
        opened = False

        @sio.on("connect")
        async def connect() -> None:
            self._confirmed.clear()
            await sio.emit("session_request", {"session_id": self.session_id})

        @sio.on("session_confirm")
        async def confirm(data: str) -> None:
            self._confirmed.set()
            if not opened:
                return
            self.reconnects += 1
            for message in list(self.unacknowledged.values()):
                await self._transmit(message)
            await self._read_history()

        @sio.on("disconnect")
        async def disconnect(*_: Any) -> None:
            self._confirmed.clear()

        @sio.on("bot_uttered")
        async def said(data: dict[str, Any]) -> None:
            if self.listener is not None:
                self.listener(data)
            else:
                await self.heard.put(data)

        connecting = sio.connect(self.url, transports=["polling"], socketio_path="socket.io")
        await asyncio.wait_for(connecting, 30)  # a server too busy to answer: a failed connect
        await asyncio.wait_for(self._confirmed.wait(), 20)
        opened = True

    @property
    def engine_session(self) -> str | None:
        """The Engine.IO session id (it starts with the Rasa server's name in a cluster)."""
        return self._sio.eio.sid if self._sio is not None else None

    @property
    def server(self) -> str | None:
        """Which Rasa server the load balancer keeps this page with."""
        return next((c.value for c in self.jar if c.key == STICKY_COOKIE), None)

    async def say(self, text: str) -> None:
        """Send now if connected, else when the connection is back (as the widget does)."""
        message_id = uuid.uuid4().hex
        message = {
            "message": text,
            "session_id": self.session_id,
            "metadata": {"client_message_id": message_id},
        }
        self.unacknowledged[message_id] = message
        if self._confirmed.is_set():
            await self._transmit(message)

    async def _transmit(self, message: dict[str, Any]) -> None:
        assert self._sio is not None
        message_id = message["metadata"]["client_message_id"]

        def acknowledged(*_: Any) -> None:
            self.unacknowledged.pop(message_id, None)

        # Not connected after all: it is sent again on the next confirmation.
        with contextlib.suppress(socketio.exceptions.SocketIOError):
            await self._sio.emit("user_uttered", message, callback=acknowledged)

    async def _read_history(self) -> None:
        if self.on_history is None or self._http is None:
            return
        try:
            async with self._http.get(
                f"{self.web_url}/widget/history/{self.session_id}",
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response:
                body = json.loads(await response.text())
        except (aiohttp.ClientError, TimeoutError, ValueError, RuntimeError):
            return  # unreachable now, or the page is closing
        self.on_history(list(body.get("messages", [])))

    async def hear(self, *, containing: str, seconds: float = 60) -> list[dict[str, Any]]:
        """Everything heard until a message containing ``containing`` (fails after
        ``seconds``)."""
        heard: list[dict[str, Any]] = []
        async with asyncio.timeout(seconds):
            while True:
                message = await self.heard.get()
                heard.append(message)
                if containing in str(message.get("text", "")):
                    return heard

    async def close(self) -> None:
        if self._sio is not None:  # a page in the middle of reconnecting may not say goodbye
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sio.disconnect(), 15)
        if self._http is not None:
            await self._http.close()
