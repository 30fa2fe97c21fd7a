"""Every Rasa server serves the promoted model, not only the one that heard of it.

``supportbot retrain`` (and ``supportbot model rollback``) load the model they promote through
``SUPPORTBOT_RASA_URL``: in a cluster that is the load balancer, so one Rasa server of several
gets it. They also move the registry's serving link (``var/models/serving.tar.gz``), which a
restarted server starts with. ``supportbot run`` checks that link every few seconds
(``PromotionFollower.check``); when it has moved, each Rasa server whose model differs loads
it, one server at a time, so the others keep answering while one loads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from bot.errors import SupportBotError
from bot.rasa_api import HttpRasaApi, RasaApi, run_sync
from bot.retraining.registry import ModelRegistry, model_id_of
from bot.settings import Settings


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
        self._seen = self._promoted()
        self._pending: dict[str, str] = {}  # servers yet to serve the promoted model

    def _promoted(self) -> Path | None:
        try:
            return self._registry.link.resolve(strict=True)
        except OSError:  # not promoted yet, or being replaced right now
            return None

    def check(self) -> list[str]:
        """Load a newly promoted model into the servers not serving it; what to tell.

        A server that does not answer now (busy, or restarting) is asked again next time."""
        promoted = self._promoted()
        if promoted is not None and promoted != self._seen:
            self._seen, self._pending = promoted, dict(self._servers)
        if promoted is None or not self._pending:
            return []
        try:
            wanted = model_id_of(promoted)
        except SupportBotError as exc:
            self._pending = {}
            return [f"error: {exc.message}"]
        told = []
        for name, url in list(self._pending.items()):
            api = self._api_for(url)
            status = run_sync(api.status())
            if status is None:
                continue
            if status.get("model_id") != wanted:
                try:
                    if not run_sync(api.load_model(promoted)):
                        continue
                except SupportBotError as exc:
                    told.append(f"error: {name} did not load {promoted.name}: {exc.message}")
                else:
                    told.append(f"{name} now serves the promoted model {promoted.name}")
            del self._pending[name]
        return told
