"""Any local Hugging Face text-classification checkpoint as a sentiment model.

A company can plug in its own model (``SUPPORTBOT_SENTIMENT_MODEL=/path/to/folder``): a folder
with ``config.json``, the weights and the tokenizer, as ``save_pretrained`` writes it. Its labels
are mapped to negative / neutral / positive by name (``negative``, ``NEG``, ``LABEL_0`` ...): a
label name containing "neg", "neu" or "pos" maps to that class; a 2-label model's
``LABEL_0``/``LABEL_1`` are read as negative/positive and a 3-label model's
``LABEL_0``..``LABEL_2`` as negative/neutral/positive. Such a model runs its own forward pass
per message (the built-in branch shares the encoder's).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.errors import SentimentModelError
from bot.sentiment.base import LABELS, Sentiment


def label_mapping(id2label: dict[int, str]) -> dict[int, str]:
    """Our label for each of the checkpoint's output ids."""
    mapping: dict[int, str] = {}
    for index, name in id2label.items():
        lowered = name.lower()
        found = [ours for ours in LABELS if ours[:3] in lowered]
        if len(found) == 1:
            mapping[int(index)] = found[0]
    if len(mapping) == len(id2label) and set(mapping.values()) >= {"negative", "positive"}:
        return mapping
    generic = {2: ("negative", "positive"), 3: LABELS}.get(len(id2label))
    if generic is not None and all(n.upper().startswith("LABEL_") for n in id2label.values()):
        return {int(i): generic[int(n.split("_")[1])] for i, n in id2label.items()}
    raise SentimentModelError(
        f"cannot tell which of the labels {sorted(id2label.values())} is negative or positive",
        hint="name the labels negative/neutral/positive in the checkpoint's config.json",
    )


class CheckpointSentiment:
    """A ``transformers`` sequence-classification model from a local folder, on the CPU."""

    def __init__(self, folder: Path, *, threads: int = 1) -> None:
        if not (folder / "config.json").is_file():
            raise SentimentModelError(
                f"no Hugging Face checkpoint in {folder} (config.json missing)",
                hint="point SUPPORTBOT_SENTIMENT_MODEL at a save_pretrained() folder, or unset it",
            )
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        torch.set_num_threads(threads)
        try:
            self._tokenizer: Any = AutoTokenizer.from_pretrained(str(folder))
            self._model: Any = AutoModelForSequenceClassification.from_pretrained(str(folder))
        except (OSError, ValueError) as exc:
            raise SentimentModelError(f"cannot load the checkpoint in {folder}: {exc}") from None
        self._model.eval()
        self._labels = label_mapping(dict(self._model.config.id2label))
        self._id = f"checkpoint:{folder.name}"

    @property
    def model_id(self) -> str:
        return self._id

    def predict(self, texts: Sequence[str]) -> list[Sentiment]:
        import torch

        if not texts:
            return []
        encoded = self._tokenizer(
            list(texts), padding=True, truncation=True, max_length=256, return_tensors="pt"
        )
        with torch.inference_mode():
            probabilities = torch.softmax(self._model(**encoded).logits, dim=-1).tolist()
        results = []
        for row in probabilities:
            scores = dict.fromkeys(LABELS, 0.0)
            for index, value in enumerate(row):
                scores[self._labels[index]] += value
            results.append(Sentiment.from_scores(scores, model=self._id))
        return results
