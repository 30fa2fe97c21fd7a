"""Rasa's REST channel (``POST /webhooks/rest/webhook``), for a company's own systems and tests.

The same URL and payloads as Rasa's ``rest`` channel, with what every channel does
(``customer_turns``: one length limit, button payloads only as offered, never silent) and:

* the caller names its conversation (``sender``), but not one of another channel's
  (``identity.rest_sender_problem``: the widget's and Slack's ids are refused with 400);
* a ``message`` that is not text gets 400 (Rasa would fail on it and answer nothing);
  ``?stream=true`` answers are counted like the others, so an empty turn gets the apology;
* the channel is always ``rest`` (Rasa lets the body say ``input_channel``, which would send
  an agent's replies to another channel), and metadata is cleaned like the widget's;
* with ``SUPPORTBOT_REST_TOKEN`` set, a request without ``Authorization: Bearer <token>``
  gets 401 (the production setting: see the README's *Security*).
"""

from __future__ import annotations

import hmac
from asyncio import Queue
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import QueueOutputChannel, RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_server.channels.customer_turns import customer_turns
from bot.rasa_server.channels.identity import clean_metadata, rest_sender_problem
from bot.settings import Settings


class SupportRestInput(RestInput):
    """Rasa's ``rest`` channel with the additions in the module docstring."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[Any], Awaitable[Any]]) -> Blueprint:
        settings = Settings.from_env()
        webhook = super().blueprint(customer_turns(on_new_message, settings=settings))
        token = settings.rest_token

        @webhook.middleware("request")
        async def authorised(request: Request) -> HTTPResponse | None:
            if token is None or request.path.rstrip("/").endswith("/rest"):  # the health check
                return None
            given = request.headers.get("authorization", "")
            if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return None
            return response.json({"error": "a valid REST token is required"}, status=401)

        return webhook

    async def _extract_sender(self, req: Request) -> str | None:
        sender = _body(req).get("sender")
        problem = rest_sender_problem(sender)
        if problem is not None:
            raise InvalidUsage(problem)
        return str(sender)

    def _extract_message(self, req: Request) -> str | None:
        message = _body(req).get("message")
        if message is not None and not isinstance(message, str):
            raise InvalidUsage("'message' must be the customer's text")
        return message

    @staticmethod
    async def on_message_wrapper(
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        queue: Queue[Any],
        sender_id: str,
        input_channel: str,
        metadata: dict[str, Any] | None,
    ) -> None:
        """Rasa's ``?stream=true`` answer, with an output that counts what it sends (so a
        turn with no reply gets the apology) and that always ends the stream."""
        output = CountingQueueOutputChannel(queue)
        try:
            await on_new_message(
                UserMessage(text, output, sender_id, input_channel=input_channel, metadata=metadata)
            )
        finally:
            await queue.put("DONE")

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any]:
        return clean_metadata(_body(request).get("metadata"))


class CountingQueueOutputChannel(QueueOutputChannel):
    """Rasa's streaming output, counting what it sends (for ``never_silent``)."""

    def __init__(self, message_queue: Queue[Any] | None = None) -> None:
        super().__init__(message_queue)
        self.sent = 0

    async def _persist_message(self, message: dict[str, Any]) -> None:
        await super()._persist_message(message)
        self.sent += 1


def _body(request: Request) -> dict[str, Any]:
    body = request.json
    if not isinstance(body, dict):
        raise InvalidUsage('the body must be a JSON object: {"sender": ..., "message": ...}')
    return body
