"""The encoder adapted to one knowledge base: its top layers fine-tuned on the articles' phrasings.

The shared MiniLM puts "I got a jacket as a present, how do I return it?" next to "I want to
return my jacket": the product noun weighs as much as what is asked. Every article already
lists several ways customers ask its question; ``kb build`` (with ``tune_encoder: true`` in
``search.yml``) teaches copies of the encoder's top layers that phrasings of one article
belong together and apart from the other articles' (a contrastive loss with the other
articles of a batch as negatives), the way SetFit adapts a sentence encoder to a few labelled
examples per class.

* **Cost at build time**: 1-2 minutes for the demo's 80 articles on 2 cores, deterministic,
  and cached by a hash of the phrasings, the base model and the recipe: a rebuild with the
  same phrasings (a recalibration, an edited answer, another index folder) reuses the
  weights; a new or edited phrasing trains again.
* **Which models**: BERT-style encoders (MiniLM, BERT, ...), whose layers the copies continue;
  for another architecture the index is built without tuning, with a warning.
* **At run time** the query is encoded by the shared lower layers and the tuned top layers
  (``TopLayers``); the phrasings, answers and article classifier of the index are all in the
  tuned encoder's space.

Chosen by measurement (bench/kb_tuning.py, each candidate calibrated on the calibration
queries only): the top three of six layers, learning rate 1e-4 (utility 304 there, against
297-301 for two or four layers or 2e-4), ``2 x the largest article's texts`` rounds, each
round one pair of texts per article.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.embeddings.base import Vectors
from bot.embeddings.sentence_transformer import EncodedBatch, SentenceTransformerEmbedder
from bot.embeddings.top_layers import TopLayers
from bot.errors import SearchIndexError

RECIPE = {
    "version": 1,
    "from_layer": 3,
    "learning_rate": 1e-4,
    "batch_articles": 32,
    "scale": 20.0,
    "max_tokens": 128,  # training only (speed); serving reads up to the model's 256
    "max_rounds": 40,
    "max_steps": 400,
    "seed": 19,
}
_LAYERS_PREFIX = "layers."
REBUILD_HINT = "run `.venv/bin/supportbot kb build` (it trains the encoder again)"
_EMBED_BATCH = 32


def training_key(phrasings: Sequence[Sequence[str]], base_model_id: str) -> str:
    """A hash of each article's phrasings, the model and the recipe: what names an encoder.

    The answers, which training also reads, are left out: an edited answer (a new price, a
    new address) keeps the encoder and reaches customers in seconds; new or changed
    phrasings train a new one.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps([list(p) for p in phrasings], ensure_ascii=False).encode())
    digest.update(base_model_id.encode())
    digest.update(repr(sorted(RECIPE.items())).encode())
    return digest.hexdigest()[:16]


class TunedEncoder:
    """An ``Embedder``: the base encoder's lower layers, then the knowledge base's tuned top."""

    def __init__(self, base: SentenceTransformerEmbedder, top: TopLayers, key: str) -> None:
        self.base = base
        self.top = top
        self.key = key

    @property
    def model_id(self) -> str:
        return f"{self.base.model_id}+kb-tuned@{self.key}"

    @property
    def dimension(self) -> int:
        return self.base.dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        chunks = [
            self.embed_encoded(self.base.encode(list(texts[i : i + _EMBED_BATCH])))
            for i in range(0, len(texts), _EMBED_BATCH)
        ]
        return np.ascontiguousarray(np.vstack(chunks), dtype=np.float32)

    def embed_encoded(self, batch: EncodedBatch) -> Vectors:
        """The tuned vectors of an already encoded batch (continues its forward pass)."""
        return self.embed_states(batch.layers[self.top.from_layer], batch.mask)

    def embed_states(self, hidden: Any, mask: Any) -> Vectors:
        """The tuned vectors of texts whose states after ``from_layer`` are ``hidden``."""
        import torch

        self.top.eval()
        with torch.inference_mode():
            pooled = self.top.pooled(hidden, mask)
            vectors = torch.nn.functional.normalize(pooled, dim=-1)
        return np.ascontiguousarray(vectors.numpy(), dtype=np.float32)

    @classmethod
    def train(
        cls,
        base: SentenceTransformerEmbedder,
        groups: Sequence[Sequence[str]],
        *,
        key: str,
        progress: Callable[[str], None] = lambda _: None,
    ) -> TunedEncoder:
        """Fine-tune copies of the top layers so that each group's texts embed together.

        ``groups``: one list of texts per article (its phrasings and its answer document);
        ``key``: the encoder's name (``training_key``).
        """
        import torch

        seed = int(RECIPE["seed"])
        torch.manual_seed(seed)
        rng = random.Random(seed)
        from_layer = int(RECIPE["from_layer"])
        top = TopLayers.copied(base, from_layer)
        top.for_training()
        usable = [list(dict.fromkeys(g)) for g in groups]
        usable = [g for g in usable if len(g) >= 2]
        if len(usable) < 2:  # nothing to tell apart: the base encoder's top, unchanged
            top.eval()
            return cls(base, top, key)
        states = _inner_states(base, usable, from_layer)
        batch_size = int(RECIPE["batch_articles"])
        batches_per_round = -(-len(usable) // batch_size)
        rounds = min(2 * max(len(g) for g in usable), int(RECIPE["max_rounds"]))
        rounds = max(1, min(rounds, int(RECIPE["max_steps"]) // batches_per_round))
        optimizer = torch.optim.AdamW(top.parameters(), lr=float(RECIPE["learning_rate"]))
        scale = float(RECIPE["scale"])
        progress(f"tuning the encoder on {len(usable)} articles ({rounds} rounds)")
        top.train()
        for _ in range(rounds):
            order = list(range(len(usable)))
            rng.shuffle(order)
            for start in range(0, len(order), batch_size):
                chosen = order[start : start + batch_size]
                if len(chosen) < 2:
                    continue
                pairs = [(i, *rng.sample(range(len(usable[i])), 2)) for i in chosen]
                anchors = _pooled(top, [states[i][a] for i, a, _ in pairs])
                positives = _pooled(top, [states[i][b] for i, _, b in pairs])
                similarity = anchors @ positives.T * scale
                labels = torch.arange(len(chosen))
                loss = (
                    torch.nn.functional.cross_entropy(similarity, labels)
                    + torch.nn.functional.cross_entropy(similarity.T, labels)
                ) / 2
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        top.eval()
        return cls(base, top, key)

    def save(self, path: Path) -> None:
        from safetensors.torch import save_file

        metadata = {"key": self.key, "base_model": self.base.model_id}
        metadata["from_layer"] = str(self.top.from_layer)
        save_file(self.top.state(_LAYERS_PREFIX), str(path), metadata=metadata)

    @staticmethod
    def read(path: Path) -> tuple[dict[str, str], dict[str, Any]]:
        """The metadata and tensors of a saved tuned encoder (no model needed to read them)."""
        from safetensors.torch import load_file

        try:
            with path.open("rb") as handle:  # the format: header length, JSON header, tensors
                header = json.loads(handle.read(int.from_bytes(handle.read(8), "little")))
            return dict(header.get("__metadata__") or {}), load_file(str(path))
        except FileNotFoundError:
            raise  # a rebuild replaced it: the caller reads the new manifest
        except Exception as exc:  # safetensors' own error is a plain Exception
            raise SearchIndexError(
                f"cannot read the tuned encoder {path}: {exc}", hint=REBUILD_HINT
            ) from None

    @classmethod
    def from_state(
        cls, base: SentenceTransformerEmbedder, metadata: dict[str, str], state: dict[str, Any]
    ) -> TunedEncoder:
        """The tuned layers in ``state``, for ``base`` (refused for another model)."""
        if metadata.get("base_model") != base.model_id:
            raise SearchIndexError(
                f"the knowledge base's tuned encoder was trained on {metadata.get('base_model')}, "
                f"not on the current embedding model {base.model_id}",
                hint=REBUILD_HINT,
            )
        try:
            top = TopLayers.copied(base, int(metadata["from_layer"]))
            top.load_state(state, _LAYERS_PREFIX)
            return cls(base, top, metadata["key"])
        except (KeyError, ValueError, RuntimeError, AttributeError) as exc:
            raise SearchIndexError(
                f"the knowledge base's tuned encoder does not fit {base.model_id}: {exc}",
                hint=REBUILD_HINT,
            ) from None

    @classmethod
    def load(cls, path: Path, base: SentenceTransformerEmbedder) -> TunedEncoder:
        return cls.from_state(base, *cls.read(path))


def _inner_states(
    base: SentenceTransformerEmbedder, groups: list[list[str]], from_layer: int
) -> list[list[tuple[Any, Any]]]:
    """Each text's states after ``from_layer`` (unpadded), computed once for all rounds."""
    flat = [text for group in groups for text in group]
    states: list[tuple[Any, Any]] = []
    for start in range(0, len(flat), _EMBED_BATCH):
        hidden, mask = base.inner_states(
            flat[start : start + _EMBED_BATCH],
            layer=from_layer,
            max_tokens=int(RECIPE["max_tokens"]),
        )
        for row in range(hidden.shape[0]):
            length = int(mask[row].sum())
            states.append((hidden[row, :length], mask[row, :length]))
    grouped, position = [], 0
    for group in groups:
        grouped.append(states[position : position + len(group)])
        position += len(group)
    return grouped


def _pooled(top: TopLayers, states: list[tuple[Any, Any]]) -> Any:
    """Normalised pooled vectors of unpadded states, padded together into one batch."""
    import torch
    from torch.nn.utils.rnn import pad_sequence

    hidden = pad_sequence([h for h, _ in states], batch_first=True)
    mask = pad_sequence([m for _, m in states], batch_first=True)
    return torch.nn.functional.normalize(top.pooled(hidden, mask), dim=-1)
