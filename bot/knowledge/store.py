"""The built knowledge-base index on disk: build it, load it, and tell whether it is current.

An index folder holds ``manifest.json`` (content fingerprint, embedding model, dimensions,
index kind, thresholds) and the files it names: the FAISS index, the indexed phrasings and
the articles with their answers already rendered from the business facts. Data files carry
the fingerprint in their name and the manifest is replaced last and atomically, so a server
reading the folder while it is rebuilt sees either the old index or the new one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.business import BusinessFacts, load_business_facts
from bot.embeddings import Embedder
from bot.errors import (
    BusinessFactsError,
    IndexMissingError,
    IndexStaleError,
    KnowledgeBaseError,
    SearchIndexError,
)
from bot.knowledge.articles import Article, load_articles
from bot.knowledge.search_config import SearchConfig, load_search_config
from bot.knowledge.vector_index import IndexKind, VectorIndex

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BUILD_HINT = "run `.venv/bin/supportbot kb build` (or `make kb`)"

# Files in a knowledge-base folder that shape the index besides the articles.
BUSINESS_FILE = "business.yml"
SEARCH_FILE = "search.yml"


@dataclass(frozen=True)
class Entry:
    """One indexed phrasing: row ``i`` of the vector index belongs to ``article_id``."""

    article_id: str
    text: str


@dataclass(frozen=True)
class Manifest:
    format: int
    kb_fingerprint: str
    source: str
    model_id: str
    dimension: int
    index_kind: str
    entries: int
    articles: int
    answer_threshold: float
    clarify_margin: float
    calibrated: bool
    built_at: str
    build_seconds: float
    index_file: str
    entries_file: str
    articles_file: str


@dataclass(frozen=True)
class KnowledgeIndex:
    """A loaded index: articles by id, the phrasing of each vector row, and the vectors."""

    manifest: Manifest
    articles: dict[str, Article]
    entries: tuple[Entry, ...]
    vectors: VectorIndex
    search_config: SearchConfig


def kb_fingerprint(source: Path) -> str:
    """A hash of everything in ``source`` that shapes the index (articles, facts, thresholds)."""
    digest = hashlib.sha256()
    if source.is_file():
        files = [source]
        root = source.parent
    else:
        files = sorted(p for p in source.rglob("*.md") if p.name.lower() != "readme.md")
        files += [p for p in (source / BUSINESS_FILE, source / SEARCH_FILE) if p.is_file()]
        root = source
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def render_articles(articles: list[Article], facts: BusinessFacts | None) -> list[Article]:
    """Fill ``{{ placeholders }}`` in answers from the business facts."""
    rendered = []
    problems = []
    for article in articles:
        if facts is None:
            if "{{" in article.answer:
                problems.append(f"{article.source}: uses placeholders but there is no business.yml")
            rendered.append(article)
            continue
        try:
            answer = facts.render(article.answer, where=article.source)
        except BusinessFactsError as exc:
            problems.append(exc.message)
            continue
        rendered.append(_replace_answer(article, answer))
    if problems:
        raise KnowledgeBaseError(
            "cannot render answers:\n  - " + "\n  - ".join(problems),
            hint=f"placeholders must name a value in {BUSINESS_FILE}",
        )
    return rendered


def build_index(
    source: Path,
    out_dir: Path,
    *,
    embedder: Embedder,
    search_config: SearchConfig | None = None,
    kind: IndexKind | None = None,
) -> Manifest:
    """Build the index for ``source`` (a folder or CSV) into ``out_dir``; return its manifest."""
    started = time.perf_counter()
    source = source.resolve()
    articles = load_articles(source)
    folder = source if source.is_dir() else None
    facts = None
    if folder is not None and (folder / BUSINESS_FILE).is_file():
        facts = load_business_facts(folder / BUSINESS_FILE)
    articles = render_articles(articles, facts)
    if search_config is None:
        search_config = (
            load_search_config(folder / SEARCH_FILE) if folder is not None else SearchConfig()
        )

    entries = [Entry(article.id, text) for article in articles for text in article.phrasings]
    vectors = embedder.embed([entry.text for entry in entries])
    index = VectorIndex.build(vectors, kind=kind)

    fingerprint = kb_fingerprint(source)
    tag = fingerprint[:12]
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {
        "index_file": f"index-{tag}.faiss",
        "entries_file": f"entries-{tag}.json",
        "articles_file": f"articles-{tag}.json",
    }
    index.save(out_dir / names["index_file"])
    _write_json(out_dir / names["entries_file"], [asdict(e) for e in entries])
    _write_json(out_dir / names["articles_file"], [a.to_json() for a in articles])

    manifest = Manifest(
        format=FORMAT_VERSION,
        kb_fingerprint=fingerprint,
        source=str(source),
        model_id=embedder.model_id,
        dimension=index.dimension,
        index_kind=index.kind.value,
        entries=len(entries),
        articles=len(articles),
        answer_threshold=search_config.answer_threshold,
        clarify_margin=search_config.clarify_margin,
        calibrated=search_config.is_calibrated,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
        **names,
    )
    previous = _read_manifest_or_none(out_dir)
    _write_json(out_dir / MANIFEST, asdict(manifest))  # atomic: readers switch here
    _remove_unreferenced(out_dir, keep=[manifest, previous])
    logger.info(
        "built %s index of %d phrasings for %d articles", index.kind, len(entries), len(articles)
    )
    return manifest


def read_manifest(index_dir: Path) -> Manifest:
    manifest = _read_manifest_or_none(index_dir)
    if manifest is None:
        raise IndexMissingError(f"no knowledge-base index in {index_dir}", hint=BUILD_HINT)
    return manifest


def load_index(index_dir: Path) -> KnowledgeIndex:
    """Load a built index; retries once if a rebuild replaced the files mid-read."""
    for attempt in range(2):
        manifest = read_manifest(index_dir)
        try:
            return _load_files(index_dir, manifest)
        except FileNotFoundError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def check_fresh(manifest: Manifest, *, source: Path, model_id: str) -> None:
    """Raise ``IndexStaleError`` when the index was built from other content or another model."""
    if not source.exists():
        raise KnowledgeBaseError(f"knowledge base not found: {source}")
    if manifest.model_id != model_id:
        raise IndexStaleError(
            f"the index was built with embedding model {manifest.model_id}, "
            f"but the configured model is {model_id}",
            hint=BUILD_HINT,
        )
    if manifest.kb_fingerprint != kb_fingerprint(source):
        raise IndexStaleError(
            f"the knowledge base in {source} changed since the index was built", hint=BUILD_HINT
        )


def _load_files(index_dir: Path, manifest: Manifest) -> KnowledgeIndex:
    if manifest.format != FORMAT_VERSION:
        raise IndexStaleError(
            f"index format {manifest.format} is not supported (expected {FORMAT_VERSION})",
            hint=BUILD_HINT,
        )
    vectors = VectorIndex.load(index_dir / manifest.index_file, kind=IndexKind(manifest.index_kind))
    entries = tuple(Entry(**e) for e in _read_json(index_dir / manifest.entries_file))
    articles = {
        a["id"]: Article.from_json(a) for a in _read_json(index_dir / manifest.articles_file)
    }
    if vectors.size != len(entries):
        raise SearchIndexError(
            f"index in {index_dir} is inconsistent ({vectors.size} vectors, "
            f"{len(entries)} phrasings)",
            hint=BUILD_HINT,
        )
    config = SearchConfig(
        answer_threshold=manifest.answer_threshold,
        clarify_margin=manifest.clarify_margin,
        calibration={"calibrated": True} if manifest.calibrated else {},
    )
    return KnowledgeIndex(
        manifest=manifest,
        articles=articles,
        entries=entries,
        vectors=vectors,
        search_config=config,
    )


def _read_manifest_or_none(index_dir: Path) -> Manifest | None:
    path = index_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        data = _read_json(path)
        return Manifest(**data)
    except (ValueError, TypeError) as exc:
        raise IndexStaleError(
            f"{path} is unreadable or from another version ({exc})", hint=BUILD_HINT
        ) from None


def _replace_answer(article: Article, answer: str) -> Article:
    data = article.to_json()
    data["answer"] = answer
    return Article.from_json(data)


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _remove_unreferenced(index_dir: Path, *, keep: list[Manifest | None]) -> None:
    """Delete data files of older builds (keeping the previous one for readers mid-load)."""
    referenced = {
        name
        for manifest in keep
        if manifest is not None
        for name in (manifest.index_file, manifest.entries_file, manifest.articles_file)
    }
    for path in index_dir.iterdir():
        if (
            path.name != MANIFEST
            and path.name not in referenced
            and path.suffix
            in {
                ".faiss",
                ".json",
            }
        ):
            path.unlink(missing_ok=True)
