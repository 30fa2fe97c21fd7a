"""When the bot is not sure: the fallback ladder, and "that didn't help"."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    Events,
    SupportAction,
    asked_language,
    customer_language,
    session_language,
    text_flags,
    unanswered_in_a_row,
    user_intents,
    utter,
)
from actions.knowledge import KnowledgeAction
from bot.catalogue import translated
from bot.dialogue.fallback import (
    UNCLEAR_MESSAGES_BEFORE_PERSON,
    RankedIntent,
    Step,
    ask_for_words_reply,
    ask_to_rephrase_reply,
    asked_for_language_reply,
    clarify_topic_reply,
    english_article_note,
    languages_to_try,
    long_message_note,
    not_found_here_reply,
    not_helpful_reply,
    not_understood_reply,
    only_english_reply,
    plan,
    plausible_topics,
    unclear_in_a_row,
)
from bot.handoff.contact import human_contact_reply
from bot.knowledge import Decision
from bot.language import ENGLISH, LANGUAGE, identified_of
from bot.text import TextFlag

#: The rungs that would ask an English question again (or hand over in English).
_ASKING_AGAIN = frozenset({Step.CLARIFY_TOPIC, Step.ASK_TO_REPHRASE, Step.OFFER_PERSON})


class ActionHandleLowConfidence(KnowledgeAction):
    """The ladder: knowledge base, then "Did you mean ...?" topics, then a person."""

    action_name = "action_handle_low_confidence"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        message = tracker.latest_message
        text: str = message.get("text") or ""
        flags = text_flags(tracker)
        ranking = [
            RankedIntent(r.get("name") or "", float(r.get("confidence") or 0.0))
            for r in message.get("intent_ranking") or []
        ]
        usable = not ({TextFlag.EMPTY, TextFlag.NO_WORDS} & flags)
        result = (
            self.services.searcher.search(text, shared_vectors=tracker.latest_message)
            if usable
            else None
        )
        step = plan(
            flags=flags,
            knowledge_base_can_answer=result is not None
            and result.decision is not Decision.DECLINE,
            topics=plausible_topics(ranking),
            unclear_count=unclear_in_a_row(user_intents(tracker)),
        )
        if step is Step.ANSWER_FROM_KNOWLEDGE_BASE and result is not None:
            if TextFlag.TRUNCATED in flags:  # however it was understood, say what was read
                utter(dispatcher, long_message_note(customer_language(tracker)))
            return self.reply_with_result(dispatcher, result, served=customer_language(tracker))
        settled, language = session_language(tracker), None
        if step is Step.ONLY_ENGLISH and asked_language(tracker) == ENGLISH:
            # The customer asked for English: whatever this looked like, they are answered in
            # English.
            step = Step.ASK_TO_REPHRASE
        if step is Step.ONLY_ENGLISH:
            identified = identified_of(message.get(LANGUAGE))
            language = identified.code if identified else None
        elif step in _ASKING_AGAIN and settled not in (None, ENGLISH):
            # Not understood, after the customer wrote clearly in another language ("grazie
            # mille" after an Italian question): answered as a question in that language.
            step, language = Step.ONLY_ENGLISH, settled
        if step is Step.ONLY_ENGLISH and usable:
            answered = self.answer_across_languages(dispatcher, text, language)
            if answered is not None:
                return answered
        elif step in _ASKING_AGAIN and usable and settled is None:
            # Too short or unclear to tell its language, nothing said before: maybe one the
            # help centre is written in, typed without accents ("kaip grazinti preke").
            identified = identified_of(message.get(LANGUAGE))
            match = self.services.crosslingual.first_translation(
                text,
                languages_to_try(
                    identified.code if identified else None,
                    customer_language(tracker),
                    self.services.searcher.translations,
                ),
                self.services.searcher,
            )
            if match is not None and match.translation is not None:
                return self.reply_with_answer(dispatcher, match.translation)
        translated_here = language in self.services.searcher.translations
        if (
            step is Step.ONLY_ENGLISH
            and translated_here
            and unanswered_in_a_row(tracker) >= UNCLEAR_MESSAGES_BEFORE_PERSON
        ):
            step = Step.OFFER_PERSON  # as in English: stop asking, give the ways to a person
        if step is Step.ASKED_FOR_LANGUAGE:
            utter(dispatcher, asked_for_language_reply(settled or ENGLISH))
        elif step is Step.ONLY_ENGLISH and translated_here:
            # A language the help centre is written in: read, but nothing answers it.
            utter(dispatcher, not_found_here_reply(language))
        elif step is Step.ONLY_ENGLISH:
            # In their language where the shop has the words, with a person.
            utter(dispatcher, only_english_reply(language))
        elif step is Step.CLARIFY_TOPIC:
            utter(
                dispatcher,
                clarify_topic_reply(plausible_topics(ranking), customer_language(tracker)),
            )
        elif step is Step.ASK_TO_REPHRASE:
            utter(dispatcher, ask_to_rephrase_reply(customer_language(tracker)))
        elif step is Step.ASK_FOR_WORDS:
            utter(dispatcher, ask_for_words_reply(flags, customer_language(tracker)))
        else:
            facts, language = self.services.business_facts(), customer_language(tracker)
            utter(
                dispatcher,
                not_understood_reply(language),
                human_contact_reply(facts, self.services.clock(), language),
            )
        return []

    def answer_across_languages(
        self, dispatcher: CollectingDispatcher, text: str, language: str | None
    ) -> Events | None:
        """A question in another language that an article clearly answers: its translation
        in that language, else the English article after a note in their language that it is
        in English (None: not answered; the honest "only English" follows)."""
        searcher = self.services.searcher
        noted = translated("english_article", language)
        if language is None or (not noted and language not in searcher.translations):
            return None  # nothing it could be answered with: no search (no encoder loaded)
        match = self.services.crosslingual.search(text, language, searcher)
        if match is None:
            return None
        if match.translation is not None:
            return self.reply_with_answer(dispatcher, match.translation)
        if not noted:  # no words to say the article is English: not answered
            return None
        utter(dispatcher, english_article_note(language))
        return self.reply_with_answer(dispatcher, match.article, language=language)


class ActionHandleNotHelpful(SupportAction):
    """The customer says the answer did not help: apologise, offer to rephrase or a person."""

    action_name = "action_handle_not_helpful"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        utter(dispatcher, not_helpful_reply(customer_language(tracker)))
        return []


class ActionHandleOutOfScope(KnowledgeAction):
    """Outside the shop's business — unless the knowledge base is confident it is not.

    The classifier's "out of scope" is checked against the knowledge base first (calibrated to
    decline almost all real out-of-scope questions), so a shop question worded unusually, or
    buried in a very long message, is still answered.
    """

    action_name = "action_handle_out_of_scope"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        text: str = tracker.latest_message.get("text") or ""
        flags = text_flags(tracker)
        result = self.services.searcher.search(text, shared_vectors=tracker.latest_message)
        if result.decision is Decision.ANSWER and result.best is not None:
            if TextFlag.TRUNCATED in flags:
                utter(dispatcher, long_message_note(customer_language(tracker)))
            return self.reply_with_answer(
                dispatcher, result.best.article, served=customer_language(tracker)
            )
        dispatcher.utter_message(response="utter_out_of_scope")
        return []
