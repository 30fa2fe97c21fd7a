"""Rasa's HTTP API, behind one small interface (``RasaApi``) with one implementation over
aiohttp (``HttpRasaApi``); tests pass a fake (``tests.fakes.FakeRasaApi``).

The API is enabled by ``supportbot run`` and protected by a token, created on first use in
``var/secrets/rasa_api_token`` and shared by the processes of one installation. What we use:

* appending events to a conversation (``POST /conversations/{id}/tracker/events``): what
  agents say and every change of a handoff, written under Rasa's lock for that conversation,
  with its bot messages delivered on the channel the customer last wrote from;
* parsing a message (``POST /model/parse``: NLU only, no conversation is created);
* telling a website customer that their agent is typing (``POST /webhooks/socketio/
  agent_typing``, our socket.io channel's, with the same token; nothing is stored);
* the serving model (``GET /status``) and replacing it (``PUT /model``).

Every failure to reach the server is a ``ServiceError``; an answer with an error status is a
``RasaRefusedError`` (one of them), and a refused model a ``RasaModelError``. Synchronous
callers (the command line, the supervisor) use ``run_sync``.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Protocol, TypeVar

import aiohttp

from bot.errors import RasaModelError, RasaRefusedError, ServiceError
from bot.settings import Settings

T = TypeVar("T")

#: Seconds for an ordinary call (appending events includes sending the bot's messages on the
#: customer's channel); replacing the model loads TensorFlow graphs and takes longer.
TIMEOUT = 10
LOAD_TIMEOUT = 300
#: Our socket.io channel's route for "the agent is typing" (``bot.rasa_server.channels.socketio``).
AGENT_TYPING_PATH = "/webhooks/socketio/agent_typing"


class RasaApi(Protocol):
    """What supportbot asks of a running Rasa server."""

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append ``events`` to the conversation and deliver its bot messages."""

    async def parse(self, text: str) -> dict[str, Any]:
        """The NLU result for ``text``."""

    async def agent_typing(self, conversation_id: str, agent: str) -> None:
        """Show the website customer of ``conversation_id`` that ``agent`` is typing."""

    async def status(self) -> dict[str, Any] | None:
        """The server's status (``model_file`` ...), or None when it is not running."""

    async def load_model(self, model: Path) -> bool:
        """Serve ``model`` from now on; False when no server is running."""


#: The variable a Rasa server reads its API token from (``bot.rasa_server.launch``): as
#: ``Settings.rasa_api_token`` reads it, so each server process has the token it was given.
TOKEN_VARIABLE = "SUPPORTBOT_RASA_API_TOKEN"


def rasa_api_token(settings: Settings) -> str:
    """The token protecting Rasa's HTTP API: ``SUPPORTBOT_RASA_API_TOKEN`` when set (shared
    by a deployment's servers), else created on first use (readable by us only)."""
    return settings.rasa_api_token or settings.stored_secret("rasa_api_token")


class HttpRasaApi:
    """``RasaApi`` over HTTP, for the installation described by ``settings``."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def url(self, path: str, **query: str) -> str:
        """``path`` on the Rasa server, with the token and ``query`` parameters."""
        params = urllib.parse.urlencode({**query, "token": rasa_api_token(self._settings)})
        return f"{self._settings.rasa_url}{path}?{params}"

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        path = f"/conversations/{urllib.parse.quote(conversation_id, safe='')}/tracker/events"
        query = {"output_channel": "latest", "execute_side_effects": "true"}
        url = self.url(path, include_events="NONE", **query)
        await self._call("POST", url, events, what="the update")

    async def agent_typing(self, conversation_id: str, agent: str) -> None:
        body = {"session_id": conversation_id, "agent": agent}
        await self._call("POST", self.url(AGENT_TYPING_PATH), body, what="the typing notice")

    async def parse(self, text: str) -> dict[str, Any]:
        result = await self._call("POST", self.url("/model/parse"), {"text": text}, what="parse")
        return dict(result)

    async def status(self) -> dict[str, Any] | None:
        try:
            return dict(await self._call("GET", self.url("/status"), None, what="status"))
        except ServiceError:
            return None

    async def load_model(self, model: Path) -> bool:
        body = {"model_file": str(model.resolve())}
        try:
            await self._call(
                "PUT", self.url("/model"), body, what="the model", timeout=LOAD_TIMEOUT
            )
        except RasaRefusedError as exc:
            raise RasaModelError(
                f"the Rasa server refused the model {model.name}: {exc.status} {exc.body}",
                hint="see var/logs/rasa.log",
            ) from None
        except ServiceError:
            return False  # not running: it starts with the serving model next time
        return True

    async def _call(
        self, method: str, url: str, body: Any, *, what: str, timeout: float = TIMEOUT
    ) -> Any:
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
                session.request(method, url, json=body) as reply,
            ):
                if reply.status >= 400:
                    body = (await reply.text())[:500]
                    raise RasaRefusedError(
                        f"the Rasa server refused {what} ({reply.status}): {body}",
                        status=reply.status,
                        body=body,
                    )
                if reply.content_type == "application/json":
                    return await reply.json()
                return None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ServiceError(
                f"the Rasa server is not reachable ({exc.__class__.__name__})",
                hint="is `supportbot run` running? see var/logs/rasa.log",
            ) from None


def run_sync(call: Coroutine[Any, Any, T]) -> T:
    """Run one API call from synchronous code (not from inside an event loop)."""
    return asyncio.run(call)
