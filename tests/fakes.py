"""Test doubles: real implementations of our roles, small and deterministic (no mocks)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bot.embeddings.base import Vectors
from bot.errors import RasaRefusedError, ServiceError
from bot.knowledge.lexical import stem
from bot.retraining.registry import model_id_of


class HashEmbedder:
    """An ``Embedder`` that hashes words and character trigrams into a fixed-size vector.

    Texts sharing words get similar vectors, so search behaves sensibly, with no model to
    load. Deterministic across runs and machines.
    """

    def __init__(self, dimension: int = 256) -> None:
        self._dimension = dimension
        self.calls = 0

    @property
    def model_id(self) -> str:
        return f"hash-embedder-{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())]
            features = words + [w[i : i + 3] for w in words for i in range(max(1, len(w) - 2))]
            for feature in features:
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                index = int.from_bytes(digest[:4], "little") % self._dimension
                sign = 1.0 if digest[4] & 1 else -1.0
                vectors[row, index] += sign * (2.0 if feature in words else 1.0)
            norm = np.linalg.norm(vectors[row])
            if norm > 0:
                vectors[row] /= norm
        return vectors


class FixedClock:
    """A clock that always says the same time (and can be moved)."""

    def __init__(self, now: datetime) -> None:
        self.now = now if now.tzinfo else now.replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, *, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def fake_model(path: Path, model_id: str) -> Path:
    """A file Rasa's model readers take for a trained model with this id (metadata only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"model_id": model_id}).encode()
    with tarfile.open(path, "w:gz") as archive:
        member = tarfile.TarInfo("metadata.json")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return path


class FakeRasaApi:
    """A ``RasaApi`` that keeps what would be appended to each conversation; ``down = True``
    makes every call fail as an unreachable server does."""

    def __init__(self) -> None:
        self.appended: list[tuple[str, list[dict[str, Any]]]] = []
        self.typing: list[tuple[str, str]] = []  # (conversation, agent) told "is typing"
        self.attempts = 0  # appends tried, taken or not
        self.down = False
        self.refusing: set[str] = set()  # conversations whose updates Rasa answers with 500
        self.model_file: str | None = "models/rasa/serving.tar.gz"
        self.model_id: str | None = None

    def _check(self) -> None:
        if self.down:
            raise ServiceError("the Rasa server is not reachable (ClientConnectorError)")

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        self.attempts += 1
        self._check()
        if conversation_id in self.refusing:
            raise RasaRefusedError("the Rasa server refused the update (500)", status=500, body="")
        self.appended.append((conversation_id, events))

    async def agent_typing(self, conversation_id: str, agent: str) -> None:
        self._check()
        self.typing.append((conversation_id, agent))

    async def parse(self, text: str) -> dict[str, Any]:
        self._check()
        return {"text": text, "intent": {"name": "greet", "confidence": 1.0}}

    async def status(self) -> dict[str, Any] | None:
        return None if self.down else {"model_file": self.model_file, "model_id": self.model_id}

    async def load_model(self, model: Path) -> bool:
        """Loads it as Rasa would: its id read from the archive (see ``fake_model``)."""
        if self.down:
            return False
        self.model_file, self.model_id = str(model), model_id_of(model)
        return True

    def texts(self, conversation_id: str) -> list[str]:
        """The bot messages appended to the conversation, in order."""
        return [
            e["text"]
            for c, events in self.appended
            if c == conversation_id
            for e in events
            if e["event"] == "bot"
        ]

    def slots(self, conversation_id: str, name: str) -> list[Any]:
        return [
            e["value"]
            for c, events in self.appended
            if c == conversation_id
            for e in events
            if e["event"] == "slot" and e["name"] == name
        ]
