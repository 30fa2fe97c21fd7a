"""``MessageCleaner``: the first step of the NLU pipeline.

Replaces the text the models see with a cleaned copy (``bot.text.inspect_message``:
normalised Unicode, no control or invisible characters, long messages cut to their
beginning; a file sent in a live chat reads as no words, whatever its name) and records what
it noticed as ``text_flags`` in the parse result. The original text is untouched in the
conversation record: Rasa stores the message as the customer sent it.
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

from bot.attachments import only_a_file
from bot.text import MAX_MODEL_CHARS, inspect_message

#: Key of the flags in Rasa's parse data (and so in every user event of the tracker).
TEXT_FLAGS = "text_flags"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MessageCleaner(GraphComponent):
    """Cleans message text for the models and flags empty, wordless, long or odd messages."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_chars": MAX_MODEL_CHARS}

    def __init__(self, config: dict[str, Any]) -> None:
        self._max_chars = int(config["max_chars"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageCleaner:
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            if example.get(TEXT):
                self._clean(example, add_to_output=False)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._clean(message, add_to_output=True)
        return messages

    def _clean(self, message: Message, *, add_to_output: bool) -> None:
        text = message.get(TEXT) or ""
        if text.startswith("/"):
            return  # a button payload such as /affirm: handled by Rasa's RegexMessageHandler
        if only_a_file(text, message.get("metadata")):
            text = ""  # a file's name is not the customer's words: nothing for the models
        inspected = inspect_message(text, max_chars=self._max_chars)
        message.set(TEXT, inspected.cleaned)
        if add_to_output:
            message.set(TEXT_FLAGS, sorted(flag.value for flag in inspected.flags), True)
