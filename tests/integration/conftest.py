"""Integration fixtures: the real embedding model, real processes on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path
from tests.conftest import PROJECT

BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def encoder_cache() -> Path:
    """The tuned encoders `supportbot kb build` keeps (by content): shared with `make run`."""
    return PROJECT / "models" / "kb_encoders"


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    embedder = SentenceTransformerEmbedder(resolve_model_path(None))
    embedder.warm_up()
    return embedder


def supportbot(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``supportbot`` command as a user would."""
    return subprocess.run(
        [str(BIN / "supportbot"), *args],
        cwd=PROJECT,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
