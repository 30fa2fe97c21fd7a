"""The built knowledge-base index on disk: build it, load it, and tell whether it is current.

An index folder holds ``manifest.json`` (content fingerprint, embedding model, dimensions,
index kind, ranking weights and thresholds) and the files it names: the FAISS index of the
phrasings, the phrasings themselves, the articles with their answers already rendered from
the business facts, one embedding per article of its question and answer, the word
statistics for lexical scoring, and the article classifier learned from the phrasings
(``article_classifier``). Data files carry the fingerprint in their name and the manifest is
replaced last and atomically, so a server reading the folder while it is rebuilt sees either
the old index or the new one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.business import BusinessFacts, load_business_facts
from bot.embeddings import Embedder
from bot.embeddings.base import Vectors
from bot.embeddings.sentence_transformer import SentenceTransformerEmbedder
from bot.errors import (
    BusinessFactsError,
    IndexMissingError,
    IndexStaleError,
    KnowledgeBaseError,
    SearchIndexError,
    SupportBotError,
)
from bot.knowledge.answer_kind import AnswerKind, article_kind
from bot.knowledge.article_classifier import ArticleClassifier
from bot.knowledge.articles import Article, load_articles
from bot.knowledge.lexical import LexicalIndex
from bot.knowledge.search_config import SearchConfig, load_search_config
from bot.knowledge.translations import by_language, load_translations
from bot.knowledge.tuned_encoder import TunedEncoder, training_key
from bot.knowledge.vector_index import IndexKind, VectorIndex

logger = logging.getLogger(__name__)

FORMAT_VERSION = 3  # 2: the article classifier; 3: the tuned encoder
MANIFEST = "manifest.json"
BUILD_HINT = "run `.venv/bin/supportbot kb build` (or `make kb`)"

#: Suffixes of the index's data files (older builds' are removed).
DATA_SUFFIXES = frozenset({".faiss", ".json", ".npy", ".npz", ".safetensors"})

#: Tuned encoders kept in the shared cache (each a few tens of megabytes).
ENCODERS_KEPT = 4

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
    answer_weight: float
    lexical_weight: float
    lexical_saturation: float
    classifier_weight: float
    kind_weight: float
    clarify_on_disagreement: bool
    tune_encoder: bool
    calibrated: bool
    built_at: str
    build_seconds: float
    index_file: str
    entries_file: str
    articles_file: str
    answers_file: str
    lexicon_file: str
    classifier_file: str
    #: The tuned encoder's layers (``tuned_encoder``); None when the index uses the base model.
    encoder_file: str | None
    #: The articles' translations (``translations``); None when there are none.
    translations_file: str | None = None

    @property
    def data_files(self) -> tuple[str, ...]:
        files = (
            self.index_file,
            self.entries_file,
            self.articles_file,
            self.answers_file,
            self.lexicon_file,
            self.classifier_file,
        )
        optional = (self.encoder_file, self.translations_file)
        return (*files, *(name for name in optional if name is not None))

    def search_config(self) -> SearchConfig:
        return SearchConfig(
            answer_threshold=self.answer_threshold,
            clarify_margin=self.clarify_margin,
            answer_weight=self.answer_weight,
            lexical_weight=self.lexical_weight,
            lexical_saturation=self.lexical_saturation,
            classifier_weight=self.classifier_weight,
            kind_weight=self.kind_weight,
            clarify_on_disagreement=self.clarify_on_disagreement,
            tune_encoder=self.tune_encoder,
            calibration={"calibrated": True} if self.calibrated else {},
        )


@dataclass(frozen=True)
class KnowledgeIndex:
    """A loaded index: articles, the phrasing of each vector row, and what ranks them."""

    manifest: Manifest
    articles: dict[str, Article]
    entries: tuple[Entry, ...]
    vectors: VectorIndex  # one row per entry (phrasing)
    article_order: tuple[str, ...]  # article id of each row of answer_vectors and lexicon
    answer_vectors: Vectors  # one row per article: its question and answer, embedded
    lexicon: LexicalIndex
    classifier: ArticleClassifier  # rows in ``article_order``
    search_config: SearchConfig
    #: The tuned encoder's metadata and tensors, None when queries use the base model.
    encoder_state: tuple[dict[str, str], dict[str, Any]] | None = None
    #: The articles' translations: ``{language: {article id: translation}}``.
    translations: Mapping[str, Mapping[str, Article]] = field(default_factory=dict)

    def query_embedder(self, embedder: Embedder) -> Embedder:
        """What embeds queries for this index: ``embedder``, or its tuned encoder on top of it."""
        if self.encoder_state is None:
            return embedder
        base = tunable_base(embedder)
        if base is None:
            raise SearchIndexError(
                f"this index's encoder was tuned; {embedder.model_id} cannot run it",
                hint="use the sentence-transformers model it was built with",
            )
        return TunedEncoder.from_state(base, *self.encoder_state)

    def article_position(self, article_id: str) -> int:
        return self._positions[article_id]

    def article_kind(self, article_id: str) -> AnswerKind:
        return self._kinds[article_id]

    @functools.cached_property
    def _kinds(self) -> dict[str, AnswerKind]:
        return {i: article_kind(a.phrasings) for i, a in self.articles.items()}

    @functools.cached_property
    def _positions(self) -> dict[str, int]:
        return {article_id: i for i, article_id in enumerate(self.article_order)}


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
            answer = facts.render(article.answer, where=article.source, language=article.language)
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
    encoder_cache: Path | None = None,
) -> Manifest:
    """Build the index for ``source`` (a folder or CSV) into ``out_dir``; return its manifest.

    ``encoder_cache``: a folder of tuned encoders shared between indexes (keyed by content).
    """
    started = time.perf_counter()
    source = source.resolve()
    # Taken before reading: a file edited while the index builds makes the index stale (and
    # rebuilt), instead of being recorded as built from content the index does not contain.
    fingerprint = kb_fingerprint(source)
    originals, facts = load_articles(source), _facts(source)
    articles = render_articles(originals, facts)
    translations = read_translations(source, originals, facts)
    folder = source if source.is_dir() else None
    if search_config is None:
        search_config = (
            load_search_config(folder / SEARCH_FILE) if folder is not None else SearchConfig()
        )
    return write_index(
        articles,
        out_dir,
        embedder=embedder,
        search_config=search_config,
        kind=kind,
        fingerprint=fingerprint,
        source=str(source),
        started=started,
        encoder_cache=encoder_cache,
        translations=translations,
    )


def read_source(source: Path) -> list[Article]:
    """The articles of a folder or CSV, answers rendered from the folder's business facts."""
    return render_articles(load_articles(source), _facts(source))


def read_translations(
    source: Path, originals: Sequence[Article], facts: BusinessFacts | None
) -> list[Article]:
    """The translations of a folder's ``originals`` (``translations``), rendered the same way
    (the articles and business facts are read once, by the caller)."""
    if not source.is_dir():
        return []
    return render_articles(load_translations(source, originals), facts)


def _facts(source: Path) -> BusinessFacts | None:
    if source.is_dir() and (source / BUSINESS_FILE).is_file():
        return load_business_facts(source / BUSINESS_FILE)
    return None


def write_index(
    articles: list[Article],
    out_dir: Path,
    *,
    embedder: Embedder,
    search_config: SearchConfig,
    kind: IndexKind | None = None,
    fingerprint: str,
    source: str,
    started: float | None = None,
    encoder_cache: Path | None = None,
    translations: Sequence[Article] = (),
) -> Manifest:
    """Embed ``articles`` and write their index into ``out_dir``, with their ``translations``
    as they are (searched by ``crosslingual``); return its manifest."""
    started = time.perf_counter() if started is None else started
    encoder = None
    if search_config.tune_encoder:
        encoder = _tuned_encoder(articles, embedder, out_dir, encoder_cache)
    if encoder is not None:
        embedder = encoder
        calibrated_with = str(search_config.calibration.get("model", ""))
        if "+kb-tuned@" in calibrated_with and calibrated_with != encoder.model_id:
            logger.warning(
                "the thresholds were calibrated with another tuned encoder (%s; the phrasings "
                "or the recipe changed since): run `supportbot kb calibrate` again",
                calibrated_with,
            )
    entries = [Entry(article.id, text) for article in articles for text in article.phrasings]
    vectors = embedder.embed([entry.text for entry in entries])
    index = VectorIndex.build(vectors, kind=kind)
    answer_vectors = embedder.embed([answer_document(article) for article in articles])
    lexicon = LexicalIndex.build(
        (article.id, " ".join(article.phrasings) + " " + article.answer) for article in articles
    )
    position = {article.id: i for i, article in enumerate(articles)}
    if not ArticleClassifier.can_train(len(entries) + len(articles), len(articles)):
        logger.warning(
            "%d articles with %d phrasings: too many to train the article classifier; "
            "the search ranks without it",
            len(articles),
            len(entries),
        )
    classifier = ArticleClassifier.train(
        np.vstack([vectors, answer_vectors]),
        [position[entry.article_id] for entry in entries] + list(range(len(articles))),
        articles=len(articles),
    )

    tag = fingerprint[:12]
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {
        "index_file": f"index-{tag}.faiss",
        "entries_file": f"entries-{tag}.json",
        "articles_file": f"articles-{tag}.json",
        "answers_file": f"answers-{tag}.npy",
        "lexicon_file": f"lexicon-{tag}.json",
        "classifier_file": f"classifier-{tag}.npz",
    }
    encoder_file = encoder_file_name(encoder.key) if encoder is not None else None
    translations_file = f"translations-{tag}.json" if translations else None
    if translations_file is not None:
        _write_json(out_dir / translations_file, [a.to_json() for a in translations])
    index.save(out_dir / names["index_file"])
    _write_json(out_dir / names["entries_file"], [asdict(e) for e in entries])
    _write_json(out_dir / names["articles_file"], [a.to_json() for a in articles])
    np.save(out_dir / names["answers_file"], answer_vectors)
    _write_json(out_dir / names["lexicon_file"], lexicon.to_json())
    classifier.save(out_dir / names["classifier_file"])

    manifest = Manifest(
        format=FORMAT_VERSION,
        kb_fingerprint=fingerprint,
        source=source,
        model_id=encoder.base.model_id if encoder is not None else embedder.model_id,
        dimension=index.dimension,
        index_kind=index.kind.value,
        entries=len(entries),
        articles=len(articles),
        answer_threshold=search_config.answer_threshold,
        clarify_margin=search_config.clarify_margin,
        answer_weight=search_config.answer_weight,
        lexical_weight=search_config.lexical_weight,
        lexical_saturation=search_config.lexical_saturation,
        classifier_weight=search_config.classifier_weight,
        kind_weight=search_config.kind_weight,
        clarify_on_disagreement=search_config.clarify_on_disagreement,
        tune_encoder=encoder is not None,
        calibrated=search_config.is_calibrated,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
        **names,
        encoder_file=encoder_file,
        translations_file=translations_file,
    )
    try:
        previous = _read_manifest_or_none(out_dir)
    except IndexStaleError:  # an index from an older version: simply replaced
        previous = None
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
    article_list = [Article.from_json(a) for a in _read_json(index_dir / manifest.articles_file)]
    answer_vectors = np.load(index_dir / manifest.answers_file)
    lexicon = LexicalIndex.from_json(_read_json(index_dir / manifest.lexicon_file))
    classifier = ArticleClassifier.load(index_dir / manifest.classifier_file)
    encoder_state = None
    if manifest.encoder_file is not None:
        encoder_state = TunedEncoder.read(index_dir / manifest.encoder_file)
    translations = {}
    if manifest.translations_file is not None:
        translated = _read_json(index_dir / manifest.translations_file)
        translations = by_language(Article.from_json(a) for a in translated)
    order = tuple(a.id for a in article_list)
    if (
        vectors.size != len(entries)
        or answer_vectors.shape[0] != len(order)
        or lexicon.doc_ids != order
        or classifier.weights.shape[0] != len(order)
    ):
        raise SearchIndexError(
            f"index in {index_dir} is inconsistent ({vectors.size} vectors, "
            f"{len(entries)} phrasings, {answer_vectors.shape[0]} answers, {len(order)} articles)",
            hint=BUILD_HINT,
        )
    return KnowledgeIndex(
        manifest=manifest,
        articles={a.id: a for a in article_list},
        entries=entries,
        vectors=vectors,
        article_order=order,
        answer_vectors=answer_vectors,
        lexicon=lexicon,
        classifier=classifier,
        search_config=manifest.search_config(),
        encoder_state=encoder_state,
        translations=translations,
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


def tunable_base(embedder: Embedder) -> SentenceTransformerEmbedder | None:
    """The BERT-style sentence-transformers model under ``embedder``, if there is one.

    A tuned encoder continues that model's forward pass with copies of its top layers, which
    needs BERT's layer structure (MiniLM is one); a ``CachingEmbedder`` or ``TunedEncoder``
    wraps such a model.
    """
    base = getattr(embedder, "base", embedder)
    if not isinstance(base, SentenceTransformerEmbedder):
        return None
    try:
        transformer = base.transformer
    except SupportBotError:
        return None
    is_bert = getattr(transformer.config, "model_type", None) == "bert"
    return base if is_bert and hasattr(transformer, "encoder") else None


def encoder_file_name(key: str) -> str:
    """The file a tuned encoder is saved as, in an index folder and in the shared cache."""
    return f"encoder-{key}.safetensors"


def _tuned_encoder(
    articles: list[Article], embedder: Embedder, out_dir: Path, cache: Path | None
) -> TunedEncoder | None:
    """The encoder tuned on ``articles``: one already trained on the same texts if there is one.

    None (the index uses ``embedder`` as it is) when ``embedder`` is not a sentence-transformers
    model, whose layers the tuning continues.
    """
    base = tunable_base(embedder)
    if base is None:
        logger.warning("tune_encoder is set, but %s cannot be tuned: not tuning", embedder.model_id)
        return None
    groups = [[*article.phrasings, answer_document(article)] for article in articles]
    key = training_key([article.phrasings for article in articles], base.model_id)
    name = encoder_file_name(key)
    folders = [folder for folder in (out_dir, cache) if folder is not None]
    encoder, read_from = _cached_encoder(folders, name, base)
    if encoder is None:
        started = time.perf_counter()
        encoder = TunedEncoder.train(base, groups, key=key, progress=logger.info)
        logger.info("tuned the encoder in %.0f s", time.perf_counter() - started)
    for folder in folders:  # each keeps a good copy: the index folder is self-contained
        if folder != read_from:
            _save_encoder(encoder, folder / name)
    if cache is not None:
        _prune(cache)
    return encoder


def _cached_encoder(
    folders: list[Path], name: str, base: SentenceTransformerEmbedder
) -> tuple[TunedEncoder | None, Path | None]:
    """The first readable copy of encoder ``name`` in ``folders``, and where it was."""
    for folder in folders:
        if not (folder / name).is_file():
            continue
        try:
            encoder = TunedEncoder.load(folder / name, base)
        except (SearchIndexError, FileNotFoundError) as exc:
            logger.warning("not using a tuned encoder that cannot be read: %s", exc)
            continue
        with contextlib.suppress(OSError):  # recently used: the last the cache drops
            os.utime(folder / name)
        return encoder, folder
    return None, None


def _prune(cache: Path, *, keep: int = ENCODERS_KEPT) -> None:
    """Keep the ``keep`` most recently trained encoders of the shared cache."""
    dated = []
    for path in cache.glob("encoder-*.safetensors"):
        with contextlib.suppress(OSError):  # another build may remove one meanwhile
            dated.append((path.stat().st_mtime, path))
    for _, old in sorted(dated)[:-keep]:
        old.unlink(missing_ok=True)


def _save_encoder(encoder: TunedEncoder, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    encoder.save(tmp)
    tmp.replace(path)


def answer_document(article: Article) -> str:
    """The text embedded for an article as a whole: its question and its answer."""
    return f"{article.question} {' '.join(article.answer.split())}"


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
    referenced = {name for manifest in keep if manifest is not None for name in manifest.data_files}
    for path in index_dir.iterdir():
        is_data = path.suffix in DATA_SUFFIXES and not path.name.startswith(".")
        if is_data and path.name != MANIFEST and path.name not in referenced:
            path.unlink(missing_ok=True)
