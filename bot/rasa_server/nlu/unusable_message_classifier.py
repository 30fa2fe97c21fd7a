"""``UnusableMessageClassifier``: the last step of the NLU pipeline.

A message with no words at all (empty, whitespace, only punctuation) gives the classifiers
nothing to read, yet they would still name some intent. This component overrides that:
common emoji are read as what people mean by them (👍 yes, 🙏 thanks, 👎 no, 👋 hello), and
anything else without words becomes ``nlu_fallback``, so the bot asks for words instead of
guessing. So does a message in a language the bot does not read (``other_language``, from
``LanguageIdentifier``): an English classifier's guess at Italian is no answer, unless it asks
for a person, complains, or says hello, thanks, goodbye, yes or no in Italian or Lithuanian
(``bot.intents.in_other_languages``, ``bot.intents.small_talk``; also when the message is too
short to tell its language and the English classifiers were unsure: then words only one of
those languages uses, "grazie", "ačiū", settle the message's language);
and one asking for a language (``asked_for_language``), which the fallback ladder answers,
unless it asks for a person who speaks it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.intents.in_other_languages import person_or_complaint
from bot.intents.small_talk import small_talk
from bot.language import ENGLISH, LANGUAGE, Identified, confident, identified_of
from bot.rasa_server.nlu.message_cleaner import TEXT_FLAGS
from bot.text import TextFlag

FALLBACK_INTENT = "nlu_fallback"
#: Intents a request for a language does not replace: the customer wants a person who speaks
#: it ("can I talk to someone in Italian?"); the handoff goes to one (``bot.handoff.routing``).
ASKS_FOR_A_PERSON = frozenset({"request_human", "complaint"})

#: Emoji-only messages with a clear everyday meaning. Skin-tone and variation selectors are
#: stripped before lookup. Anything not listed here is treated as "no words".
EMOJI_INTENTS = {
    "👍": "affirm",
    "👌": "affirm",
    "✅": "affirm",
    "✔": "affirm",
    "🙏": "thank",
    "❤": "thank",
    "😊": "thank",
    "🙂": "thank",
    "👎": "not_helpful",
    "❌": "deny",
    "👋": "greet",
    "😡": "complaint",
    "🤬": "complaint",
}
_MODIFIERS = {chr(c) for c in range(0x1F3FB, 0x1F400)} | {"\ufe0f", "\ufe0e"}


def emoji_intent(text: str) -> str | None:
    """The intent of an emoji-only message, if all its emoji agree on one."""
    symbols = {ch for ch in text if not ch.isspace() and ch not in _MODIFIERS}
    intents = {EMOJI_INTENTS.get(symbol) for symbol in symbols}
    if len(intents) == 1 and None not in intents:
        return intents.pop()
    return None


def read_in_other_languages(
    text: str, identified: Identified | None, intent: str | None, *, other_language: bool
) -> tuple[str, Identified | None] | None:
    """The intent that replaces the English classifiers' ``intent`` for a message in Italian or
    Lithuanian words, with the language its words alone tell; None: theirs stands.

    * A message clearly in another language (``other_language``): a request for a person, a
      complaint or small talk in that language's words, else ``nlu_fallback``: an English
      classifier's guess at Italian is no answer.
    * A message too short or unclear to tell its language: small talk in words only Italian or
      Lithuanian use ("sì grazie", which the English classifiers call anything); when they were
      unsure, also small talk shared with English ("ok") and a request for a person
      ("operatore!"). A clearly English message is left to them.
    """
    if other_language:
        read = in_their_words(text, identified.code if identified is not None else None)
        return (read[0] if read else FALLBACK_INTENT), None
    if confident(identified, text) == ENGLISH:
        return None
    unsure = intent == FALLBACK_INTENT
    read = in_their_words(text, small_talk_only=not unsure)
    if read is None or (not unsure and read[1] is None):
        return None  # "ok", "no": English too, and the English classifiers were sure
    name, told = read
    return name, Identified(told, 1.0, by_words=True) if told is not None else None


def in_their_words(
    text: str, language: str | None = None, *, small_talk_only: bool = False
) -> tuple[str, str | None] | None:
    """The intent of a message in Italian or Lithuanian (``language``; either when None) read
    from its words: a request for a person, a complaint (unless ``small_talk_only``) or small
    talk; with the language its words alone tell (``bot.intents.small_talk``). None: none."""
    found = None if small_talk_only else person_or_complaint(text, language)
    if found is not None:
        return found, None
    said = small_talk(text, language)
    return (said.intent, said.language) if said is not None else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UnusableMessageClassifier(GraphComponent):
    """Replaces the predicted intent of messages that contain no words."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnusableMessageClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            flags = set(message.get(TEXT_FLAGS) or [])
            if flags & {TextFlag.EMPTY.value, TextFlag.NO_WORDS.value}:
                name = emoji_intent(message.get(TEXT) or "") or FALLBACK_INTENT
            elif (
                TextFlag.ASKED_FOR_LANGUAGE.value in flags
                and TextFlag.OTHER_LANGUAGE.value not in flags  # read in its words, below
            ):
                intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
                if intent in ASKS_FOR_A_PERSON:  # "a person who speaks Italian": keep it
                    continue
                name = FALLBACK_INTENT
            else:
                read = read_in_other_languages(
                    message.get(TEXT) or "",
                    identified_of(message.get(LANGUAGE)),
                    (message.get(INTENT) or {}).get(INTENT_NAME_KEY),
                    other_language=TextFlag.OTHER_LANGUAGE.value in flags,
                )
                if read is None:
                    continue
                name, told = read
                if told is not None:  # "grazie", "ačiū": too short to identify, yet Italian
                    message.set(LANGUAGE, told.to_json(), add_to_output=True)
            prediction = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, prediction, add_to_output=True)
            ranking = [
                r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name
            ]
            message.set(INTENT_RANKING_KEY, [prediction, *ranking], add_to_output=True)
        return messages
