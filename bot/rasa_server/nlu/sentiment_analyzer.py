"""``SentimentAnalyzer``: the sentiment of every parsed message, stored with it.

Adds ``sentiment`` to the parse data (``{"label", "confidence", "scores", "model"}``), so it
is kept in the tracker with each user turn, for the escalation policy, reports and
retraining. The built-in model continues the forward pass the embedding featurizer already
ran (see ``bot.sentiment.branch``); a configured Hugging Face checkpoint
(``SUPPORTBOT_SENTIMENT_MODEL``) runs its own. A message clearly in another language is read
by the head on the multilingual encoder (``bot.sentiment.crosslingual``; the encoder loaded
with the first such message), where the encoder reads that language. A message without
words gets no sentiment.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.embeddings.multilingual import UniversalSentenceEncoder
from bot.errors import SentimentModelError
from bot.language import LANGUAGE, Identified, identified_of
from bot.rasa_server.nlu.message_cleaner import TEXT_FLAGS
from bot.rasa_server.nlu.sentence_embedding_featurizer import (
    ENCODER_STATES,
    EncoderStates,
    SentenceEmbeddingFeaturizer,
    same_passes,
)
from bot.sentiment import Sentiment, SentimentModel
from bot.sentiment.branch import META_FILE, SentimentBranch
from bot.sentiment.crosslingual import FILE as CROSSLINGUAL_FILE
from bot.sentiment.crosslingual import CrossLingualSentiment
from bot.sentiment.training import load_sentiment_model
from bot.settings import Settings
from bot.text import TextFlag

logger = logging.getLogger(__name__)

#: Key of the sentiment in Rasa's parse data.
SENTIMENT = "sentiment"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentimentAnalyzer(GraphComponent):
    """Reads each message's sentiment with the project's model (``models/sentiment``)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [SentenceEmbeddingFeaturizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._model: SentimentModel | None = None
        self._failed = False
        #: The head for other languages, loaded with the first such message (False: none).
        self._other: CrossLingualSentiment | Literal[False] | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentimentAnalyzer:
        settings = Settings.from_env()
        if not _model_available(settings):
            logger.warning(
                "no sentiment model in %s: messages get no sentiment until "
                "`supportbot sentiment train` has run (make run does it)",
                settings.sentiment_dir,
            )
        return cls(settings)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # sentiment is not an input of intent training

    def process(self, messages: list[Message]) -> list[Message]:
        english: list[tuple[Message, EncoderStates | None]] = []
        for message in messages:
            states = message.get(ENCODER_STATES)
            message.data.pop(ENCODER_STATES, None)  # in-process only, never stored
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            if TextFlag.OTHER_LANGUAGE.value in (message.get(TEXT_FLAGS) or []):
                # Not the English model's to read: the multilingual head's, where the
                # encoder reads the language (not Lithuanian: no sentiment).
                _store(message, self._read_other(text, identified_of(message.get(LANGUAGE))))
            else:
                english.append((message, states))
        if english:
            try:
                sentiments = self._read([m.get(TEXT) for m, _ in english], [s for _, s in english])
            except SentimentModelError as exc:
                if not self._failed:  # say it once, keep serving without sentiment
                    logger.error("sentiment unavailable: %s", exc)
                self._failed = True
                return messages
            for (message, _), sentiment in zip(english, sentiments, strict=True):
                _store(message, sentiment)
        return messages

    def _read_other(self, text: str, identified: Identified | None) -> Sentiment | None:
        language = identified.code if identified is not None else None
        if not CrossLingualSentiment.reads(language):
            return None
        if self._other is None:
            try:
                self._other = CrossLingualSentiment.load(
                    self._settings.sentiment_dir, UniversalSentenceEncoder()
                )
            except Exception:  # a damaged file: messages in other languages get none
                logger.exception("cannot read the sentiment head for other languages")
                self._other = False
                return None
            if self._other is None:
                self._other = False  # trained before the head existed: say so once
                logger.warning(
                    "no sentiment for messages in other languages: %s has no %s "
                    "(run `supportbot sentiment train`)",
                    self._settings.sentiment_dir,
                    CROSSLINGUAL_FILE,
                )
        if not self._other:
            return None
        try:
            return self._other.predict([text])[0]
        except Exception:  # a damaged file, the encoder's package missing: serve without it
            logger.exception("sentiment in other languages unavailable (kept off until restart)")
            self._other = False
            return None

    def _read(self, texts: list[str], states: list[EncoderStates | None]) -> list[Sentiment | None]:
        """The sentiment of each text (parsed together: each forward pass continued once)."""
        if self._failed:
            return [None] * len(texts)
        if self._model is None:
            embedder = next((s.embedder for s in states if s is not None), None)
            self._model = load_sentiment_model(self._settings, embedder)
            logger.info("sentiment model loaded: %s", self._model.model_id)
        if not isinstance(self._model, SentimentBranch):
            return list(self._model.predict(texts))
        sentiments: list[Sentiment | None] = [None] * len(texts)  # None: no words it read
        for same in same_passes(states):
            read = self._model.predict_encoded(same.batch, same.indexes)
            for position, sentiment in zip(same.positions, read, strict=True):
                sentiments[position] = sentiment
        return sentiments


def _store(message: Message, sentiment: Sentiment | None) -> None:
    if sentiment is not None:
        message.set(SENTIMENT, sentiment.as_dict(), add_to_output=True)


def _model_available(settings: Settings) -> bool:
    if settings.sentiment_model is not None:
        return True
    return (settings.sentiment_dir / META_FILE).is_file()
