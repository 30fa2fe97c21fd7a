"""``SentenceEmbeddingFeaturizer``: all-MiniLM-L6-v2 sentence embeddings as dense features.

Gives the intent classifier the meaning of the whole message (paraphrases and unseen
wording), next to the word and character n-gram features that catch typos and keywords.
The model loads from the local package (or ``model_path``), never from a hub.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path
from bot.embeddings.sentence_transformer import PRECISIONS, EncodedBatch, serving_precision
from bot.embeddings.shared import TEXT_EMBEDDING, encode_vector
from bot.settings import Settings

#: Key (in-process only, never stored) of a parsed message's ``EncoderStates``.
ENCODER_STATES = "encoder_states"


@dataclass(frozen=True)
class EncoderStates:
    """This message's place in the forward pass that embedded it (for the sentiment branch)."""

    batch: EncodedBatch
    index: int
    embedder: SentenceTransformerEmbedder


@dataclass(frozen=True)
class SamePass:
    """Texts encoded by one forward pass: their positions among the messages and their
    indexes in the pass."""

    batch: EncodedBatch
    embedder: SentenceTransformerEmbedder
    positions: list[int]
    indexes: list[int]


def same_passes(states: Sequence[object]) -> list[SamePass]:
    """The messages' ``EncoderStates`` (anything else: no words encoded) grouped by the
    forward pass they came from (messages parsed together share one), so that a branch
    continues each pass once for all its texts."""
    groups: dict[int, SamePass] = {}
    for position, state in enumerate(states):
        if isinstance(state, EncoderStates):
            group = groups.setdefault(
                id(state.batch), SamePass(state.batch, state.embedder, [], [])
            )
            group.positions.append(position)
            group.indexes.append(state.index)
    return list(groups.values())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one dense sentence feature (the normalised embedding) to each message's text."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "model_path": None,  # None: the packaged all-MiniLM-L6-v2
            "threads": None,  # None: SUPPORTBOT_TORCH_THREADS (see bot.settings)
            # None: SUPPORTBOT_ENCODER_PRECISION, auto by default (bfloat16 where the processor
            # has bfloat16 instructions; see docs/performance.md)
            "precision": None,
            "batch_size": 64,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        threads = config.get("threads")
        if threads is not None and int(threads) < 1:
            raise ValueError("threads must be at least 1")
        precision = config.get("precision")
        if precision is not None and precision not in ("auto", *PRECISIONS):
            raise ValueError(f"precision must be auto or one of {', '.join(PRECISIONS)}")

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        super().__init__(name, config)
        configured = config.get("model_path")
        settings = Settings.from_env()
        self._embedder = SentenceTransformerEmbedder(
            resolve_model_path(Path(configured) if configured else None),
            threads=int(config.get("threads") or settings.torch_threads),
            batch_size=int(config["batch_size"]),
            precision=serving_precision(config.get("precision") or settings.encoder_precision),
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        return cls(execution_context.node_name, config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        examples = [e for e in training_data.training_examples if e.get(TEXT)]
        self._featurize(examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        # Every message gets the feature, even an empty one (as zeros): the classifier was
        # trained with it and cannot run without it.
        with_text = [m for m in messages if isinstance(m.get(TEXT), str)]
        vectors = self._featurize(with_text, keep_states=True)
        # Shared with the action server (one forward pass per message), see bot.embeddings.shared.
        for message, vector in zip(with_text, vectors, strict=True):
            if vector.any():
                shared = encode_vector(vector, model_id=self._embedder.model_id)
                message.set(TEXT_EMBEDDING, shared, add_to_output=True)
        return messages

    def _featurize(
        self, messages: list[Message], *, keep_states: bool = False
    ) -> npt.NDArray[np.float32]:
        texts = [m.get(TEXT) or "" for m in messages]
        with_text = [i for i, text in enumerate(texts) if text.strip()]
        vectors = np.zeros((len(messages), self._embedder.dimension), dtype=np.float32)
        if with_text and keep_states:
            # Parsing: one forward pass whose inner layers the sentiment analyzer continues.
            batch = self._embedder.encode([texts[i] for i in with_text])
            vectors[with_text] = batch.vectors
            for position, i in enumerate(with_text):
                messages[i].set(ENCODER_STATES, EncoderStates(batch, position, self._embedder))
        elif with_text:
            vectors[with_text] = self._embedder.embed([texts[i] for i in with_text])
        for message, vector in zip(messages, vectors, strict=True):
            self.add_features_to_message(
                sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message
            )
        return vectors
