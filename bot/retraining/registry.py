"""Which Rasa model serves customers, which served before, and switching between them.

The record is ``var/models.json``: the serving model, the previous one (kept for a
one-command rollback), and the history of every promotion with the model's id. Rasa stores
that id with every event of every conversation (``metadata.model_id``), so the history tells
which model served each conversation (``supportbot model list``).

Promotion loads the model into the running Rasa server through its HTTP API
(``PUT /model``, token-protected): Rasa loads the new model while the old one keeps
answering, then swaps them, so no conversation is dropped. ``var/models/serving.tar.gz``
points at the serving model, so a restarted server (or the next ``supportbot run``) starts
with it too.
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.errors import RasaModelError
from bot.rasa_api import HttpRasaApi, run_sync
from bot.settings import Settings

#: Loading a model into the running server takes seconds; allow for a busy machine.
LOAD_TIMEOUT = 300


@dataclass(frozen=True)
class ModelEntry:
    file: str  # the model's file name under models/rasa/
    model_id: str
    promoted_at: str
    by: str
    report: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelEntry:
        return cls(
            file=str(data["file"]),
            model_id=str(data.get("model_id") or ""),
            promoted_at=str(data.get("promoted_at") or ""),
            by=str(data.get("by") or ""),
            report=data.get("report"),
        )


def model_id_of(model: Path) -> str:
    """The id Rasa gives a trained model (and writes into every event it handles)."""
    try:
        with tarfile.open(model, "r:gz") as archive:
            member = next(m for m in archive.getmembers() if m.name.lstrip("/") == "metadata.json")
            handle = archive.extractfile(member)
            assert handle is not None
            return str(json.load(handle).get("model_id") or "")
    except (OSError, StopIteration, tarfile.TarError, json.JSONDecodeError) as exc:
        raise RasaModelError(f"{model} is not a readable Rasa model: {exc}") from exc


class ModelRegistry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.data_dir / "models.json"
        self.link = settings.data_dir / "models" / "serving.tar.gz"

    def _read(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {"serving": None, "previous": None, "history": []}
        data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
        temporary.replace(self.path)

    def _entry(self, key: str) -> ModelEntry | None:
        value = self._read().get(key)
        return ModelEntry.from_json(value) if value else None

    def serving(self) -> ModelEntry | None:
        return self._entry("serving")

    def previous(self) -> ModelEntry | None:
        return self._entry("previous")

    def history(self) -> list[tuple[str, ModelEntry]]:
        """Every change, oldest first: (``baseline``, ``promoted`` or ``rolled back``, entry)."""
        return [
            (str(e.get("event", "")), ModelEntry.from_json(e))
            for e in self._read().get("history", [])
        ]

    def file(self, entry: ModelEntry) -> Path:
        return self.settings.rasa_models_dir / entry.file

    def kept_files(self) -> set[Path]:
        """Models that must not be cleaned up: the serving and the previous one."""
        return {self.file(e) for e in (self.serving(), self.previous()) if e is not None}

    def record_baseline(self, model: Path, *, at: datetime) -> ModelEntry:
        """Record the model the product serves before any promotion (nothing is loaded)."""
        entry = ModelEntry(model.name, model_id_of(model), at.isoformat(), "supportbot run")
        data = self._read()
        data["serving"] = entry.to_json()
        data.setdefault("history", []).append({**entry.to_json(), "event": "baseline"})
        self._write(data)
        self.point_link(model)
        return entry

    def promote(
        self, model: Path, *, by: str, at: datetime, report: str | None = None
    ) -> tuple[ModelEntry, bool]:
        """Serve ``model`` from now on; returns the entry and whether a running server
        loaded it (``False``: the server is not running and will start with it)."""
        loaded = load_into_server(self.settings, model)
        entry = ModelEntry(model.name, model_id_of(model), at.isoformat(), by, report)
        data = self._read()
        if data.get("serving") and data["serving"]["file"] != model.name:
            data["previous"] = data["serving"]
        data["serving"] = entry.to_json()
        data.setdefault("history", []).append({**entry.to_json(), "event": "promoted"})
        self._write(data)
        self.point_link(model)
        return entry, loaded

    def rollback(self, *, by: str, at: datetime) -> tuple[ModelEntry, bool]:
        """Serve the previous model again (the current one becomes the previous)."""
        data = self._read()
        previous = data.get("previous")
        if not previous:
            raise RasaModelError(
                "there is no previous model to roll back to",
                hint="a previous model exists after the first `supportbot retrain` promotion",
            )
        model = self.settings.rasa_models_dir / previous["file"]
        if not model.is_file():
            raise RasaModelError(f"the previous model {model} is gone", hint="retrain instead")
        loaded = load_into_server(self.settings, model)
        entry = ModelEntry(model.name, previous.get("model_id", ""), at.isoformat(), by)
        data["previous"], data["serving"] = data["serving"], entry.to_json()
        data.setdefault("history", []).append({**entry.to_json(), "event": "rolled back"})
        self._write(data)
        self.point_link(model)
        return entry, loaded

    def point_link(self, model: Path) -> None:
        self.link.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.link.with_name("serving.tmp")
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(model.resolve())
        temporary.replace(self.link)


def running_model(settings: Settings) -> str | None:
    """The model file the running Rasa server serves, or None if it is not running."""
    status = run_sync(HttpRasaApi(settings).status())
    return str((status or {}).get("model_file") or "") or None


def load_into_server(settings: Settings, model: Path) -> bool:
    """Replace the running server's model (``PUT /model``); False if no server is running."""
    return run_sync(HttpRasaApi(settings).load_model(model))
