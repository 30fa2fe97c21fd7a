"""Every Rasa server serves the promoted model, not only the one that heard of it.

``supportbot retrain`` (and ``supportbot model rollback``) load the model they promote through
``SUPPORTBOT_RASA_URL``: in a cluster that is the load balancer, so one Rasa server of several
gets it. They also move the registry's serving link (``var/models/serving.tar.gz``), which a
restarted server starts with. ``supportbot run`` checks that link every few seconds
(``PromotionFollower.check``); when it has moved, each Rasa server whose model differs loads
it, one server at a time, so the others keep answering while one loads. The follower runs in
a thread of its own (``follow``): loading a model takes up to minutes, and the supervisor must
meanwhile keep restarting services that stop.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from bot.errors import SupportBotError
from bot.rasa_api import HttpRasaApi, RasaApi, run_sync
from bot.retraining.registry import ModelRegistry, model_id_of
from bot.settings import Settings

logger = logging.getLogger(__name__)

#: Loads a server is asked for before the follower gives up on it (it then gets the promoted
#: model when it is next restarted, from the serving link).
LOAD_ATTEMPTS = 3


class PromotionFollower:
    def __init__(
        self,
        settings: Settings,
        servers: dict[str, str],
        api_for: Callable[[str], RasaApi] | None = None,
    ) -> None:
        """``servers``: each Rasa server's name and its own URL (not the load balancer's);
        ``api_for``: the Rasa API at a URL (tests give fakes)."""
        self._servers = servers
        self._api_for = api_for or (
            lambda url: HttpRasaApi(dataclasses.replace(settings, rasa_api_url=url))
        )
        self._registry = ModelRegistry(settings)
        self._seen: Path | None = None
        self._wanted = ""  # the promoted model's id
        self._pending: dict[str, str] = {}  # servers yet to serve the promoted model
        self._attempts: dict[str, int] = {}  # loads asked of each, for this promotion

    def _promoted(self) -> Path | None:
        try:
            return self._registry.link.resolve(strict=True)
        except OSError:  # not promoted yet, or being replaced right now
            return None

    def check(self) -> list[str]:
        """Load a newly promoted model into the servers not serving it; what to tell.

        The first check looks at every server too: a promotion made while ``supportbot run``
        was starting is not missed. A server that does not answer now (busy, or restarting)
        is asked again next time; one that fails to load it ``LOAD_ATTEMPTS`` times is left."""
        promoted = self._promoted()
        if promoted is not None and promoted != self._seen:
            self._seen, self._pending, self._attempts = promoted, dict(self._servers), {}
            try:
                self._wanted = model_id_of(promoted)
            except SupportBotError as exc:
                self._pending = {}
                return [f"error: {exc.message}"]
        if promoted is None or not self._pending:
            return []
        return [line for name in list(self._pending) if (line := self._follow(name, promoted))]

    def _follow(self, name: str, promoted: Path) -> str:
        api = self._api_for(self._pending[name])
        status = run_sync(api.status())
        if status is None:
            return ""
        if status.get("model_id") == self._wanted:
            del self._pending[name]
            return ""
        self._attempts[name] = self._attempts.get(name, 0) + 1
        try:
            loaded = run_sync(api.load_model(promoted))
        except SupportBotError as exc:
            del self._pending[name]
            return f"error: {name} did not load {promoted.name}: {exc.message}"
        if loaded:
            del self._pending[name]
            return f"{name} now serves the promoted model {promoted.name}"
        if self._attempts[name] < LOAD_ATTEMPTS:
            return ""
        del self._pending[name]
        return (
            f"error: {name} did not load {promoted.name} after {LOAD_ATTEMPTS} tries; "
            "it serves the promoted model once restarted"
        )


def follow(
    follower: PromotionFollower, stop: threading.Event, every: float, say: Callable[[str], None]
) -> threading.Thread:
    """Check for promotions every ``every`` seconds in a thread of its own until ``stop``."""

    def loop() -> None:
        while not stop.wait(every):
            try:
                lines = follower.check()
            except Exception as exc:  # never stop following for good: try again next time
                logger.exception("following a promoted model failed")
                lines = [f"error: following a promoted model failed: {exc}"]
            for line in lines:
                say(line)

    thread = threading.Thread(target=loop, name="promotions", daemon=True)
    thread.start()
    return thread
