"""Rasa's REST channel (``POST /webhooks/rest/webhook``) that never leaves a customer unanswered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.rasa_server.channels.never_silent import never_silent
from bot.settings import Settings


class SupportRestInput(RestInput):
    """Same URL and payloads as Rasa's ``rest`` channel; see ``never_silent``."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[Any], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(never_silent(on_new_message, settings=Settings.from_env()))
