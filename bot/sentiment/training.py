"""Building the sentiment model from the project's labelled data, and loading the one in use.

``bot.runtime.training.ensure_sentiment_model`` (what ``make run`` calls) retrains the built-in
model when it is missing or was trained from other data, another embedding model or another
recipe: ``sentiment_is_current`` compares the fingerprint in ``sentiment.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path
from bot.embeddings.multilingual import UniversalSentenceEncoder
from bot.errors import SentimentModelError
from bot.sentiment import dataset
from bot.sentiment.base import SentimentModel
from bot.sentiment.branch import DEFAULT_FROM_LAYER, META_FILE, SentimentBranch
from bot.sentiment.checkpoint import CheckpointSentiment
from bot.sentiment.crosslingual import NEGATIVE_AT as CROSSLINGUAL_NEGATIVE_AT
from bot.sentiment.crosslingual import C as CROSSLINGUAL_C
from bot.sentiment.crosslingual import CrossLingualSentiment
from bot.sentiment.evaluation import evaluate
from bot.settings import Settings

logger = logging.getLogger(__name__)

#: How the built-in model is trained, and its negative-class threshold (``negative_at``); part
#: of its fingerprint. Chosen on a validation part of the training split
#: (bench/sentiment_tuning.py, bench/results/sentiment_tuning.json).
RECIPE = {
    "version": 3,  # 3: with the head for other languages (bot.sentiment.crosslingual)
    "from_layer": DEFAULT_FROM_LAYER,
    "epochs": 4,
    "learning_rate": 2e-4,
    "negative_at": 0.3,
    "multilingual_c": CROSSLINGUAL_C,  # the head for other languages (see its module)
    "multilingual_negative_at": CROSSLINGUAL_NEGATIVE_AT,
}


def embedder_for(settings: Settings, *, threads: int | None = None) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(
        resolve_model_path(settings.embedding_model), threads=threads or settings.torch_threads
    )


def expected_fingerprint(data_dir: Path, embedder: SentenceTransformerEmbedder) -> str:
    digest = hashlib.sha256()
    digest.update(dataset.fingerprint(data_dir).encode())
    digest.update(embedder.model_id.encode())
    digest.update(repr(sorted(RECIPE.items())).encode())
    return digest.hexdigest()[:16]


def train(
    embedder: SentenceTransformerEmbedder,
    *,
    data_dir: Path,
    out: Path,
    epochs: int = int(RECIPE["epochs"]),
    progress: Callable[[str], None] = logger.info,
) -> dict[str, Any]:
    """Train on the training split of ``data_dir``, score on its held-out split, save."""
    examples = dataset.load_folder(data_dir)
    train_split, heldout = dataset.split(examples)
    progress(f"training on {len(train_split)} messages, {len(heldout)} held out")
    started = time.monotonic()
    branch = SentimentBranch.initial(embedder, int(RECIPE["from_layer"]))
    branch.train(
        [e.text for e in train_split],
        [e.label for e in train_split],
        epochs=epochs,
        learning_rate=float(RECIPE["learning_rate"]),
        progress=progress,
    )
    seconds = round(time.monotonic() - started, 1)
    progress("training the head for other languages (multilingual encoder)")
    head = CrossLingualSentiment.train(
        UniversalSentenceEncoder(), [e.text for e in train_split], [e.label for e in train_split]
    )
    head.save(out)  # before sentiment.json: a model saved is a whole one
    branch.meta["fingerprint"] = expected_fingerprint(data_dir, embedder)
    branch.meta["negative_at"] = RECIPE.get("negative_at")
    metrics = evaluate(branch, heldout, timed=False)
    branch.save(
        out,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        training_seconds=seconds,
        train_examples=len(train_split),
        heldout=metrics,
        recipe={**RECIPE, "epochs": epochs},
    )
    progress(
        f"trained in {seconds:.0f}s; held-out accuracy {metrics['accuracy']:.3f}, "
        f"negative F1 {metrics['negative_f1']:.3f}"
    )
    return metrics


def sentiment_is_current(settings: Settings, embedder: SentenceTransformerEmbedder) -> bool:
    meta_file = settings.sentiment_dir / META_FILE
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(
        meta.get("fingerprint") == expected_fingerprint(settings.sentiment_data_dir, embedder)
    )


def load_sentiment_model(
    settings: Settings,
    embedder: SentenceTransformerEmbedder | None = None,
    *,
    folder: Path | None = None,
) -> SentimentModel:
    """The model in ``folder``, or the one in use: a configured checkpoint, or the built-in.

    A folder with ``sentiment.json`` holds a built-in model; any other is read as a Hugging
    Face text-classification checkpoint.
    """
    folder = folder or settings.sentiment_model or settings.sentiment_dir
    if (folder / META_FILE).is_file():
        return SentimentBranch.load(folder, embedder or embedder_for(settings))
    if folder == settings.sentiment_dir:
        raise SentimentModelError(
            f"no sentiment model in {folder}",
            hint="run `.venv/bin/supportbot sentiment train` (make run does it)",
        )
    return CheckpointSentiment(folder, threads=settings.torch_threads)
