"""``LanguageIdentifier``: the second step of the NLU pipeline (after ``MessageCleaner``).

Records each message's most likely language in the parse result (``language``: code and score,
``bot.language``), and flags a message confidently written in a language the bot does not
understand (``other_language`` in ``text_flags``): the sentiment model (English-trained) does
not read it, the intent becomes ``nlu_fallback`` (``UnusableMessageClassifier``), and the
fallback ladder says, in that language where it can, that the bot reads English only and
offers a person. Button payloads are not identified.

A message that asks for a language ("English, please", "parli italiano?") is recorded as
written in that language whatever it looks like (``asked``), and flagged
``asked_for_language``: the fallback ladder answers it, and the conversation goes on in that
language from then on (``bot.conversations.events.written_in``).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import (
    LANGUAGE,
    FastTextLanguageIdentifier,
    Identified,
    asked_for,
    other_language,
)
from bot.rasa_server.nlu.message_cleaner import TEXT_FLAGS
from bot.text import TextFlag


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LanguageIdentifier(GraphComponent):
    """Identifies each message's language; flags those the bot cannot read."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def __init__(self) -> None:
        self._identifier = FastTextLanguageIdentifier()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageIdentifier:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # the training data is English

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip() or text.startswith("/"):
                continue
            asked = asked_for(text)
            identified = (
                Identified(asked, 1.0, asked=True) if asked else self._identifier.identify(text)
            )
            if identified is None:
                continue
            message.set(LANGUAGE, identified.to_json(), add_to_output=True)
            if asked:
                _flag(message, TextFlag.ASKED_FOR_LANGUAGE)
            elif other_language(identified, text) is not None:
                _flag(message, TextFlag.OTHER_LANGUAGE)
        return messages


def _flag(message: Message, flag: TextFlag) -> None:
    flags = set(message.get(TEXT_FLAGS) or [])
    flags.add(flag.value)
    message.set(TEXT_FLAGS, sorted(flags), add_to_output=True)
