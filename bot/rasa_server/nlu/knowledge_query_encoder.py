"""``KnowledgeQueryEncoder``: each message's vector in the knowledge base's tuned encoder.

A knowledge base built with ``tune_encoder: true`` searches with copies of the encoder's top
layers fine-tuned on its phrasings (``bot.knowledge.tuned_encoder``). Those layers continue
the forward pass the embedding featurizer already ran, so the Rasa server computes the
message's search vector for the price of three layers, and the action server does not embed
the message again. The vector travels in the parse data (``kb_embedding``, tagged with the
tuned encoder's id; see ``bot.embeddings.shared``). The tuned layers are read from the index
the action server serves (``SUPPORTBOT_KB_INDEX_DIR``) and read again when it is rebuilt.
Without a tuned index, or if it cannot be read, messages get no such vector and the action
server embeds them itself.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.embeddings.sentence_transformer import SentenceTransformerEmbedder
from bot.embeddings.shared import KB_EMBEDDING, encode_vector
from bot.errors import SupportBotError
from bot.knowledge.store import MANIFEST, encoder_file_name, read_manifest
from bot.knowledge.tuned_encoder import TunedEncoder
from bot.rasa_server.nlu.sentence_embedding_featurizer import (
    ENCODER_STATES,
    SentenceEmbeddingFeaturizer,
    same_passes,
)
from bot.settings import Settings

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class KnowledgeQueryEncoder(GraphComponent):
    """Adds ``kb_embedding`` to the parse data when the knowledge base has a tuned encoder."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [SentenceEmbeddingFeaturizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def __init__(self, settings: Settings) -> None:
        self._index_dir = settings.kb_index_dir
        self._lock = threading.Lock()
        self._loaded_mtime: float | None = None
        self._encoder: TunedEncoder | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KnowledgeQueryEncoder:
        return cls(Settings.from_env())

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # the search vector is not an input of intent training

    def process(self, messages: list[Message]) -> list[Message]:
        # The sentiment analyzer removes the states after this.
        for same in same_passes([message.get(ENCODER_STATES) for message in messages]):
            encoder = self._current(same.embedder)
            if encoder is None:
                continue
            hidden, mask = same.batch.states(same.indexes, encoder.top.from_layer)
            vectors = encoder.embed_states(hidden, mask)
            for position, vector in zip(same.positions, vectors, strict=True):
                shared = encode_vector(vector, model_id=encoder.model_id)
                messages[position].set(KB_EMBEDDING, shared, add_to_output=True)
        return messages

    def _current(self, embedder: SentenceTransformerEmbedder) -> TunedEncoder | None:
        """The index's tuned encoder (None without one), read again after a rebuild."""
        try:
            mtime: float | None = (self._index_dir / MANIFEST).stat().st_mtime
        except OSError:
            mtime = None
        with self._lock:
            if mtime != self._loaded_mtime:
                self._loaded_mtime = mtime
                self._encoder = self._load(embedder) if mtime is not None else None
            return self._encoder

    def _load(self, embedder: SentenceTransformerEmbedder) -> TunedEncoder | None:
        try:
            manifest = read_manifest(self._index_dir)
            if manifest.encoder_file is None:
                return None
            current = self._encoder
            if current is not None and manifest.encoder_file == encoder_file_name(current.key):
                return current  # a rebuild that kept the encoder (an edited answer)
            state = TunedEncoder.read(self._index_dir / manifest.encoder_file)
            encoder = TunedEncoder.from_state(embedder, *state)
        except (SupportBotError, OSError) as exc:
            logger.warning("no tuned search vectors (the action server embeds): %s", exc)
            return None
        except Exception:  # only a saving: never fail a message's parse for it
            logger.exception("no tuned search vectors (the action server embeds)")
            return None
        logger.info("knowledge-base search vectors from the tuned encoder %s", encoder.model_id)
        return encoder
