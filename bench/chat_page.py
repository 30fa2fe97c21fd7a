"""A customer's chat page as the widget talks to Rasa: Socket.IO long-polling, session
persistence, ``user_uttered`` / ``bot_uttered``. Keeps the load balancer's cookie (python's
cookie jar refuses cookies from a bare IP address unless told not to), so a page stays with
its Rasa server as a browser's does. Used by the cluster benchmark and its end-to-end test."""

from __future__ import annotations

import asyncio
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
        server: str | None = None,
        listener: Callable[[dict[str, Any]], None] | None = None,
        cookies: bool = True,
    ) -> None:
        """``server``: start with the load balancer's cookie for that server (``r1``...);
        ``listener``: called with each message heard (else they are queued for ``hear``);
        not ``cookies``: send none, as a widget embedded on another site's page does."""
        self.url = url
        self.session_id = uuid.uuid4().hex
        self.jar: aiohttp.abc.AbstractCookieJar = (
            aiohttp.CookieJar(unsafe=True) if cookies else aiohttp.DummyCookieJar()
        )
        if server is not None:
            self.jar.update_cookies({STICKY_COOKIE: server})
        self.heard: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.listener = listener
        self._http: aiohttp.ClientSession | None = None
        self._sio: socketio.AsyncClient | None = None

    async def open(self) -> None:
        self._http = aiohttp.ClientSession(cookie_jar=self.jar)
        sio = socketio.AsyncClient(http_session=self._http, reconnection=False)
        confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        @sio.on("session_confirm")
        async def confirm(data: str) -> None:
            if not confirmed.done():
                confirmed.set_result(data)

        @sio.on("bot_uttered")
        async def said(data: dict[str, Any]) -> None:
            if self.listener is not None:
                self.listener(data)
            else:
                await self.heard.put(data)

        await sio.connect(self.url, transports=["polling"], socketio_path="socket.io")
        await sio.emit("session_request", {"session_id": self.session_id})
        assert await asyncio.wait_for(confirmed, 20) == self.session_id
        self._sio = sio

    @property
    def engine_session(self) -> str | None:
        """The Engine.IO session id (it starts with the Rasa server's name in a cluster)."""
        return self._sio.eio.sid if self._sio is not None else None

    @property
    def server(self) -> str | None:
        """Which Rasa server the load balancer keeps this page with."""
        return next((c.value for c in self.jar if c.key == STICKY_COOKIE), None)

    async def say(self, text: str) -> None:
        assert self._sio is not None
        await self._sio.emit(
            "user_uttered",
            {
                "message": text,
                "session_id": self.session_id,
                "metadata": {"client_message_id": uuid.uuid4().hex},
            },
        )

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
        if self._sio is not None:
            await self._sio.disconnect()
        if self._http is not None:
            await self._http.close()
