"""``SentimentBranch``: the encoder's top layers, fine-tuned for sentiment, and a classifier.

The message is encoded once. The sentence embedding (intents, knowledge search) comes from
the encoder's last layer; the sentiment branch starts from an inner layer (``from_layer``) of
that same pass and runs its own fine-tuned copies of the layers above it, then mean-pools
and classifies. The lower layers' work is shared; only the branch's layers are extra.

Chosen by measurement. First experiments: a logistic regression on the frozen sentence
embedding reached negative-F1 0.884, with character n-grams 0.890; an MLP on pooled token
states 0.887; fine-tuning the top one, two or three layers 0.901 / 0.903 / 0.905. Then the
number of layers, learning rate and epochs were chosen on a validation part of the training
split (``bench/sentiment_tuning.py``): the top three layers, 2e-4, 4 epochs (validation
negative-F1 0.915, against 0.909 for the top two at the first recipe). Tried on 2026-12-05 on
the same validation part: a logistic regression on word and character n-grams (TF-IDF) alone
reached 0.889, and averaging its probabilities with the branch's moved the branch's 0.904 to
0.905-0.912 depending on the weight, within the noise of 1,690 messages: not adopted.

Saved as ``sentiment.json`` (labels, base model, layer, metrics) and ``branch.safetensors``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.embeddings.sentence_transformer import EncodedBatch, SentenceTransformerEmbedder
from bot.embeddings.top_layers import TopLayers
from bot.errors import SentimentModelError
from bot.progress import Progress
from bot.sentiment.base import LABELS, Sentiment

META_FILE = "sentiment.json"
WEIGHTS_FILE = "branch.safetensors"
DEFAULT_FROM_LAYER = 3  # of 6: the top three layers are fine-tuned
MAX_TRAIN_TOKENS = 64


class SentimentBranch:
    """Top encoder layers + a linear classifier over their mean-pooled output (torch)."""

    def __init__(
        self,
        embedder: SentenceTransformerEmbedder,
        top: TopLayers,
        head: Any,
        *,
        meta: dict[str, Any],
    ) -> None:
        self.embedder = embedder  # whose forward pass the branch continues
        self.top = top
        self.head = head  # torch.nn.Linear(hidden, len(LABELS))
        self.meta = meta

    @property
    def from_layer(self) -> int:
        return int(self.meta["from_layer"])

    @property
    def base_model(self) -> str:
        return str(self.meta["base_model"])

    @property
    def model_id(self) -> str:
        return f"sentiment-branch@{self.meta.get('fingerprint', 'untrained')}"

    @classmethod
    def initial(cls, embedder: SentenceTransformerEmbedder, from_layer: int) -> SentimentBranch:
        """Copies of the embedder's layers above ``from_layer``, and a fresh classifier."""
        import torch

        try:
            top = TopLayers.copied(embedder, from_layer)
        except ValueError as exc:
            raise SentimentModelError(str(exc)) from None
        head = torch.nn.Linear(top.config.hidden_size, len(LABELS))
        meta = {"from_layer": from_layer, "base_model": embedder.model_id, "labels": list(LABELS)}
        return cls(embedder, top, head, meta=meta)

    def logits(self, hidden: Any, mask: Any) -> Any:
        return self.head(self.top.pooled(hidden, mask))

    def predict(self, texts: Sequence[str], *, batch_size: int = 16) -> list[Sentiment]:
        """Sentiment of each text: encode (as the NLU pipeline does), then the branch."""
        results: list[Sentiment] = []
        for start in range(0, len(texts), batch_size):
            chunk = list(texts[start : start + batch_size])
            results += self.predict_encoded(self.embedder.encode(chunk), range(len(chunk)))
        return results

    def predict_encoded(self, batch: EncodedBatch, indexes: Sequence[int]) -> list[Sentiment]:
        """Sentiment of texts ``indexes`` of an encoded batch, in one pass of the branch."""
        import torch

        if not indexes:
            return []
        self.top.eval()
        with torch.inference_mode():
            hidden, mask = batch.states(indexes, self.from_layer)
            rows = torch.softmax(self.logits(hidden, mask), dim=-1).tolist()
        negative_at = self.meta.get("negative_at")
        return [
            Sentiment.from_scores(
                dict(zip(LABELS, row, strict=True)), model=self.model_id, negative_at=negative_at
            )
            for row in rows
        ]

    def train(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        epochs: int = 3,
        learning_rate: float = 1e-4,
        batch_size: int = 32,
        seed: int = 13,
        progress: Callable[[str], None] = lambda _: None,
    ) -> None:
        """Fine-tune the branch; the shared lower layers stay as they are."""
        import torch

        torch.manual_seed(seed)
        rng = random.Random(seed)
        self.top.for_training()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # little padding
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        encoding = Progress(f"encoding {len(texts)} messages", len(batches), progress)
        inputs = []
        for batch in batches:
            hidden, mask = self.embedder.inner_states(
                [texts[i] for i in batch], layer=self.from_layer, max_tokens=MAX_TRAIN_TOKENS
            )
            target = torch.tensor([LABELS.index(labels[i]) for i in batch])
            inputs.append((hidden, mask, target))
            encoding.advance()
        encoding.finish()
        parameters = [*self.top.parameters(), *self.head.parameters()]
        optimizer = torch.optim.AdamW(parameters, lr=learning_rate, weight_decay=0.01)
        steps = epochs * len(inputs)
        warmup = max(1, steps // 10)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / steps)
        )
        self.top.train()
        training = Progress(f"training ({epochs} epochs)", steps, progress)
        for epoch in range(epochs):
            rng.shuffle(inputs)
            total = 0.0
            for hidden, mask, target in inputs:
                loss = torch.nn.functional.cross_entropy(self.logits(hidden, mask), target)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                scheduler.step()
                total += loss.item()
                training.advance()
            progress(f"epoch {epoch + 1}/{epochs}: loss {total / len(inputs):.3f}")
        training.finish()
        self.top.eval()

    def save(self, folder: Path, **meta: Any) -> None:
        from safetensors.torch import save_file

        folder.mkdir(parents=True, exist_ok=True)
        state = self.top.state("layers.")
        state |= {f"head.{k}": v.contiguous() for k, v in self.head.state_dict().items()}
        save_file(state, str(folder / WEIGHTS_FILE))
        self.meta = {**self.meta, **meta}
        (folder / META_FILE).write_text(json.dumps(self.meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, embedder: SentenceTransformerEmbedder) -> SentimentBranch:
        """The branch saved in ``folder``, for ``embedder``'s model (refused for another)."""
        from safetensors.torch import load_file

        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SentimentModelError(
                f"no sentiment model in {folder} ({exc})", hint="run `supportbot sentiment train`"
            ) from None
        if meta.get("base_model") != embedder.model_id:
            raise SentimentModelError(
                f"the sentiment model in {folder} was trained on {meta.get('base_model')}, "
                f"not on the current embedding model {embedder.model_id}",
                hint="run `supportbot sentiment train`",
            )
        branch = cls.initial(embedder, int(meta["from_layer"]))
        state = load_file(str(folder / WEIGHTS_FILE))
        branch.top.load_state(state, "layers.")
        branch.head.load_state_dict(_part(state, "head."))
        branch.meta = meta
        return branch


def _part(state: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
