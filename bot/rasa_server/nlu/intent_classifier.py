"""``EmbeddingIntentClassifier``: Rasa's view of ``bot.intents.IntentModel``.

Reads the sentence embedding that ``SentenceEmbeddingFeaturizer`` added to each message (one
forward pass of the model per message, shared) and predicts the intent with its ranking.

A message less familiar than ``unfamiliar_below`` (its cosine similarity to the nearest
training example; see ``IntentModel.familiarity``) gets ``nlu_fallback`` as its intent, the
ranking kept below it, as Rasa's ``FallbackClassifier`` does for an unsure prediction: the
classifier abstains on questions unlike anything it was trained on, and the fallback ladder
(the knowledge base first) takes over. Its familiarity is kept with the message.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.intents import IntentModel
from bot.intents.model import DEFAULT_C, DEFAULT_CHAR_WEIGHT
from bot.rasa_server.nlu.sentence_embedding_featurizer import SentenceEmbeddingFeaturizer

logger = logging.getLogger(__name__)

#: Where a message's familiarity (similarity to the nearest training example) is kept.
FAMILIARITY_KEY = "familiarity"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmbeddingIntentClassifier(GraphComponent, IntentClassifier):
    """Logistic regression over the MiniLM sentence embedding and character n-grams."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [SentenceEmbeddingFeaturizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": DEFAULT_C,
            "char_weight": DEFAULT_CHAR_WEIGHT,
            "ranking_length": 10,
            "unfamiliar_below": 0.0,  # 0: never abstain for unfamiliarity
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: IntentModel | None = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmbeddingIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        self._model = IntentModel.fit(
            [e.get(TEXT) for e in examples],
            np.stack([_embedding(e) for e in examples]),
            [e.get(INTENT) for e in examples],
            c=float(self._config["C"]),
            char_weight=float(self._config["char_weight"]),
        )
        with self._storage.write_to(self._resource) as folder:
            self._model.save(folder)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EmbeddingIntentClassifier:
        with model_storage.read_from(resource) as folder:
            model = IntentModel.load(folder)
        if model.examples is None and float(config.get("unfamiliar_below") or 0) > 0:
            logger.warning(
                "this intent model was trained before it kept its examples: it cannot abstain "
                "on unfamiliar messages until it is trained again (supportbot train)"
            )
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None or not messages:
            return messages
        # The messages parsed together (bot.rasa_server.parse_batches), in one go.
        embeddings = np.stack([_embedding(message) for message in messages])
        rankings = self._model.rankings(
            [message.get(TEXT) or "" for message in messages],
            embeddings,
            limit=int(self._config["ranking_length"]),
        )
        familiarities = self._model.familiarities(embeddings)
        for message, ranking, familiarity in zip(messages, rankings, familiarities, strict=True):
            entries = [{"name": n, "confidence": c} for n, c in ranking]
            message.set(
                FAMILIARITY_KEY,
                None if familiarity is None else round(familiarity, 4),
                add_to_output=True,
            )
            if familiarity is not None and familiarity < float(self._config["unfamiliar_below"]):
                abstain = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
                entries.insert(0, abstain)
            message.set(INTENT, entries[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, entries, add_to_output=True)
        return messages


def _embedding(message: Message) -> npt.NDArray[np.float32]:
    _, sentence = message.get_dense_features(TEXT)
    if sentence is None:
        raise ValueError(
            "no sentence embedding on the message: is SentenceEmbeddingFeaturizer in the pipeline?"
        )
    return np.asarray(sentence.features[0], dtype=np.float32)
