"""Fixtures shared by all test layers."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeSearcher, build_index, load_index
from bot.knowledge.crosslingual import UniversalSentenceEncoder
from bot.settings import Settings
from tests.databases import empty_tables, fresh_postgres, migrated_sqlite
from tests.fakes import FixedClock, HashEmbedder

PROJECT = Path(__file__).resolve().parents[1]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

# Tuesday 24 November 2026, 11:00 in London: the demo team is working.
OPEN_TIME = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
# Sunday 29 November 2026, 12:00 in London: nobody is working.
CLOSED_TIME = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def project() -> Path:
    return PROJECT


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A private copy of the demo knowledge base that a test may edit."""
    target = tmp_path / "knowledge_base"
    shutil.copytree(PROJECT / "knowledge_base", target)
    return target


@pytest.fixture
def settings(tmp_path: Path, kb_copy: Path) -> Settings:
    """Settings for the real project files, with everything written under ``tmp_path``."""
    return Settings.create(
        home=PROJECT,
        kb_dir=kb_copy,
        kb_index_dir=tmp_path / "kb_index",
        models_dir=tmp_path / "models",
        data_dir=tmp_path / "var",
    )


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def demo_searcher(tmp_path: Path, kb_copy: Path, hash_embedder: HashEmbedder) -> KnowledgeSearcher:
    """The demo knowledge base indexed with the hash embedder (no model needed)."""
    index_dir = tmp_path / "hash_index"
    build_index(kb_copy, index_dir, embedder=hash_embedder)
    return KnowledgeSearcher(load_index(index_dir), hash_embedder)


@pytest.fixture(scope="session")
def multilingual_encoder() -> UniversalSentenceEncoder:
    """The real multilingual encoder (shipped in its package; loaded once, about a second)."""
    return UniversalSentenceEncoder()


@pytest.fixture
def open_clock() -> FixedClock:
    return FixedClock(OPEN_TIME)


@pytest.fixture
def closed_clock() -> FixedClock:
    return FixedClock(CLOSED_TIME)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One migrated database per test module, on each backend the product supports."""
    if request.param == "sqlite":
        yield migrated_sqlite(tmp_path_factory.mktemp("db") / "desk.db")
        return
    with fresh_postgres(request.module.__name__.rsplit(".", 1)[-1]) as url:
        yield url


@pytest.fixture
def database_url(module_database: str) -> str:
    """The module's database, emptied for this test: SQLite and PostgreSQL in turn."""
    empty_tables(module_database)
    return module_database


@pytest.fixture
def desk_url(settings: Settings) -> str:
    """The settings' own desk database (SQLite under ``tmp_path``), migrated."""
    return migrated_sqlite(Path(settings.database_url.removeprefix("sqlite:///")))
