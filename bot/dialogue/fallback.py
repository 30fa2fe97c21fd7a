"""The fallback ladder: what to do when the bot is not sure what the customer means.

1. The knowledge base may still know: a confident search result is answered (or offered as
   "Did you mean ...?").
2. Otherwise, if the intent classifier had a few plausible topics, ask which one with buttons.
3. Otherwise ask them to say it in other words (a person is one click away).
4. When the customer was already not understood just before, stop asking: say so honestly
   and give the ways to reach a person.

Messages with no words, or not in English (another script, or another language by
``bot.language``), get a reply that says what the bot can read: for another language, in that
language where the shop has the words. A customer who asks for a language ("English, please")
is told in it what the bot can do in it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.catalogue import person_button, say, spoken, translated
from bot.chat import TALK_TO_A_PERSON, Button, Reply, intent_payload
from bot.dialogue.topics import TOPICS
from bot.language import ENGLISH
from bot.text import TextFlag

#: Topics below this NLU confidence are not worth offering as "Did you mean ...?".
MIN_TOPIC_CONFIDENCE = 0.08
MAX_TOPIC_CHOICES = 3
#: After this many unclear messages in a row, the bot stops asking and offers a person.
UNCLEAR_MESSAGES_BEFORE_PERSON = 2

FALLBACK_INTENT = "nlu_fallback"


class Step(enum.StrEnum):
    ANSWER_FROM_KNOWLEDGE_BASE = "answer_from_knowledge_base"
    CLARIFY_TOPIC = "clarify_topic"
    ASK_TO_REPHRASE = "ask_to_rephrase"
    ASK_FOR_WORDS = "ask_for_words"
    ONLY_ENGLISH = "only_english"
    ASKED_FOR_LANGUAGE = "asked_for_language"
    OFFER_PERSON = "offer_person"


@dataclass(frozen=True)
class RankedIntent:
    name: str
    confidence: float


def plausible_topics(ranking: Sequence[RankedIntent]) -> list[str]:
    """Topic intents from the classifier's ranking that are worth offering, best first."""
    return [r.name for r in ranking if r.name in TOPICS and r.confidence >= MIN_TOPIC_CONFIDENCE][
        :MAX_TOPIC_CHOICES
    ]


def unclear_in_a_row(recent_intents: Sequence[str | None]) -> int:
    """How many of the latest customer messages (most recent last) were not understood."""
    count = 0
    for intent in reversed(recent_intents):
        if intent != FALLBACK_INTENT:
            break
        count += 1
    return count


def plan(
    *,
    flags: frozenset[TextFlag],
    knowledge_base_can_answer: bool,
    topics: Sequence[str],
    unclear_count: int,
) -> Step:
    """Choose the next rung of the ladder for an unclear message.

    ``unclear_count`` includes the current message.
    """
    if TextFlag.ASKED_FOR_LANGUAGE in flags:
        return Step.ASKED_FOR_LANGUAGE
    if TextFlag.EMPTY in flags or TextFlag.NO_WORDS in flags:
        if unclear_count >= UNCLEAR_MESSAGES_BEFORE_PERSON + 1:
            return Step.OFFER_PERSON
        return Step.ASK_FOR_WORDS
    if TextFlag.NOT_LATIN in flags or TextFlag.OTHER_LANGUAGE in flags:
        return Step.ONLY_ENGLISH
    if knowledge_base_can_answer:
        return Step.ANSWER_FROM_KNOWLEDGE_BASE
    if unclear_count >= UNCLEAR_MESSAGES_BEFORE_PERSON:
        return Step.OFFER_PERSON
    if topics:
        return Step.CLARIFY_TOPIC
    return Step.ASK_TO_REPHRASE


def languages_to_try(
    guessed: str | None, served: str | None, translated: Iterable[str]
) -> list[str]:
    """For a message too short or unclear to tell its language that the English search does
    not answer ("kaip grazinti preke", typed without accents): the languages the help centre
    is written in (``translated``) to look for it in, best first: the one the customer is
    served in (the widget's), the language identification's unsure ``guessed`` one, then the
    others; only the customer's own when the guess is English (an English question is not
    answered from an Italian article)."""
    languages = sorted(translated)
    ordered = [served, guessed, *languages]
    wanted = [served] if guessed in (None, ENGLISH) else ordered
    return [code for code in dict.fromkeys(wanted) if code in languages and code != ENGLISH]


def clarify_topic_reply(topics: Sequence[str], language: str | None = None) -> Reply:
    """ "Is your question about one of these?" with the topics, in ``language`` where the
    catalogue has the words."""
    said = spoken("fallback.clarify", language)
    buttons = [Button(TOPICS[t].label_in(said), intent_payload(t)) for t in topics]
    return Reply(
        text=say("fallback.clarify", said),
        buttons=(
            *buttons,
            Button(say("fallback.something_else", said), intent_payload("not_helpful")),
            person_button(said),
        ),
    )


def ask_for_words_reply(flags: frozenset[TextFlag], language: str | None = None) -> Reply:
    """An empty message, or one of emoji or symbols only: asked for words, in ``language``
    where the catalogue has them, with the way to a person."""
    key = "ask_for_words.empty" if TextFlag.EMPTY in flags else "ask_for_words.symbols"
    said = spoken(key, language)
    return Reply(text=say(key, said), buttons=(person_button(said),))


ONLY_ENGLISH = say("only_english")


def only_english_reply(language: str | None = None) -> Reply:
    """The bot cannot read the customer's language: said in it where we can (then in
    English, for anyone reading along), with the way to a person."""
    if not translated("only_english", language):
        return Reply(text=ONLY_ENGLISH, buttons=(TALK_TO_A_PERSON,))
    return Reply(
        text=f"{say('only_english', language)}\n\n{ONLY_ENGLISH}",
        buttons=(person_button(language),),
    )


def not_found_here_reply(language: str | None) -> Reply:
    """A question in a language the help centre has articles in, that none answers: said in
    it (the bot read it: no "English only"), with the way to a person."""
    said = spoken("not_found_here", language)
    return Reply(text=say("not_found_here", said), buttons=(person_button(said),))


def english_article_note(language: str | None) -> Reply:
    """Said before an English article that answers a question in another language: that it
    is in English, and the way to a person, in their language where the bot has the words."""
    return Reply(text=say("english_article", language), buttons=(person_button(language),))


IN_ENGLISH = "Of course, let's go on in English. What can I help you with?"


def asked_for_language_reply(language: str) -> Reply:
    """The customer asked for a language: yes in English, the bot's own; in another, the
    honest "only English", in it where the shop has the words, with the way to a person."""
    if language == ENGLISH:
        return Reply(text=IN_ENGLISH)
    return only_english_reply(language)


def ask_to_rephrase_reply(language: str | None = None) -> Reply:
    said = spoken("fallback.rephrase", language)
    return Reply(text=say("fallback.rephrase", said), buttons=(person_button(said),))


def not_understood_reply(language: str | None = None) -> Reply:
    """Step OFFER_PERSON when the customer has not asked for one: honest, with both options."""
    language = spoken("not_understood", language)
    return Reply(text=say("not_understood", language), buttons=(person_button(language),))


def not_helpful_reply(language: str | None = None) -> Reply:
    """The answer did not help: in ``language`` where the bot has the words."""
    language = spoken("answer.not_helpful", language)
    return Reply(text=say("answer.not_helpful", language), buttons=(person_button(language),))


CUT_MESSAGE_NOTE = (
    "Your message was longer than {limit:,} characters, so I kept only its first {limit:,}. "
    "Please send the rest in another message."
)


def long_message_note(language: str | None = None) -> Reply:
    """Said before the reply to a message too long to read whole."""
    return Reply(say("fallback.long_message", language))
