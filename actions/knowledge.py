"""Answering from the knowledge base: the answer, "Did you mean ...?", or an honest no."""

from __future__ import annotations

from collections.abc import Sequence

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    Events,
    SupportAction,
    ask_satisfaction,
    customer_language,
    previous_user_message,
    text_flags,
    utter,
)
from bot.catalogue import say, spoken
from bot.chat import Reply
from bot.conversations.events import ANSWER_SLOT
from bot.dialogue.choices import chosen_position
from bot.dialogue.fallback import FALLBACK_INTENT, long_message_note
from bot.dialogue.topics import TOPICS, Topic
from bot.knowledge import Article, Decision, Match, SearchResult
from bot.knowledge.replies import (
    answer_reply,
    choose_article_reply,
    decline_reply,
    helped_question,
)
from bot.text import TextFlag

#: How many of a topic's articles a menu shows.
TOPIC_MENU_SIZE = 4


class KnowledgeAction(SupportAction):
    """Shared by actions that reply with knowledge-base results."""

    def reply_with_answer(
        self,
        dispatcher: CollectingDispatcher,
        article: Article,
        *,
        language: str | None = None,
        served: str | None = None,
    ) -> Events:
        """The article, then "did that answer your question?" in ``language`` (by default the
        article's own). ``served``: the customer's language (``customer_language``): the
        article's translation into it is answered where the knowledge base has one (an
        Italian customer whose short "e il rimborso?" the English search answered)."""
        article = self.in_language(article, served)
        utter(dispatcher, answer_reply(article), helped_question(language or article.language))
        return [
            SlotSet(ANSWER_SLOT, article.id),
            SlotSet("offered_articles", None),
            SlotSet("awaiting_feedback", True),
        ]

    def in_language(self, article: Article, served: str | None) -> Article:
        """The article's translation into ``served`` where the knowledge base has one."""
        if served is None or served == article.language:
            return article
        return self.services.searcher.translations.get(served, {}).get(article.id, article)

    def reply_with_choices(
        self,
        dispatcher: CollectingDispatcher,
        choices: Sequence[Match],
        *,
        intro: str | None = None,
        served: str | None = None,
    ) -> Events:
        """ "Which one do you mean?", each article by its question (translated where the
        customer's language has it)."""
        articles = [self.in_language(m.article, served) for m in choices]
        utter(dispatcher, choose_article_reply(articles, intro=intro, language=served))
        return [
            SlotSet("offered_articles", [m.article.id for m in choices]),
            SlotSet("awaiting_feedback", False),
        ]

    def reply_with_result(
        self, dispatcher: CollectingDispatcher, result: SearchResult, *, served: str | None
    ) -> Events:
        """Answer, clarify or decline, as the search decided, in the ``served`` language where
        the knowledge base and the catalogue have it."""
        if result.decision is Decision.ANSWER and result.best is not None:
            return self.reply_with_answer(dispatcher, result.best.article, served=served)
        if result.decision is Decision.CLARIFY:
            return self.reply_with_choices(dispatcher, result.choices, served=served)
        return self.reply_with_decline(dispatcher, served)

    def reply_with_decline(
        self, dispatcher: CollectingDispatcher, served: str | None = None
    ) -> Events:
        utter(dispatcher, decline_reply(served))
        return [SlotSet("offered_articles", None), SlotSet("awaiting_feedback", False)]


class ActionAcknowledgeFeedback(SupportAction):
    """The customer said yes after a knowledge-base reply: glad only if it was an answer."""

    action_name = "action_acknowledge_feedback"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        if not tracker.get_slot("awaiting_feedback"):
            dispatcher.utter_message(response="utter_how_can_i_help")
            return [SlotSet("awaiting_feedback", False)]
        dispatcher.utter_message(response="utter_glad_it_helped")  # bot/rasa_server/responses.py
        asked = ask_satisfaction(dispatcher, tracker, at=self.services.clock().timestamp())
        return [SlotSet("awaiting_feedback", False), *asked]


class ActionAnswerFromKnowledgeBase(KnowledgeAction):
    """Answers shop questions, chosen options and topic buttons from the knowledge base."""

    action_name = "action_answer_from_knowledge_base"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        searcher = self.services.searcher
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name")
        text: str = message.get("text") or ""
        served = customer_language(tracker)

        chosen_id = next(tracker.get_latest_entity_values("article_id"), None)
        if chosen_id:
            article = searcher.article(str(chosen_id))
            if article is None:  # the article was removed since the button was shown
                return self.reply_with_decline(dispatcher, served)
            return self.reply_with_answer(dispatcher, article, served=served)

        if intent == "choose_option":
            return self._typed_choice(dispatcher, tracker, text, served)

        topic = TOPICS.get(intent or "")
        if topic is not None and text.startswith("/"):
            return self._topic_button(dispatcher, tracker, topic, served)

        if TextFlag.TRUNCATED in text_flags(tracker):
            utter(dispatcher, long_message_note(served))
        result = searcher.search(text, shared_vectors=tracker.latest_message)
        if result.decision is Decision.DECLINE and topic is not None:
            # The classifier knows the topic but no article is close: offer the topic's
            # nearest articles rather than nothing, and say that they are only the closest.
            related = searcher.search(text, categories=topic.categories, limit=3)
            if related.matches:
                said = spoken("knowledge.closest", served)
                utter(dispatcher, Reply(say("knowledge.not_exactly", said)))
                return self.reply_with_choices(
                    dispatcher,
                    related.matches,
                    intro=say("knowledge.closest", said, topic=topic.label_in(said).lower()),
                    served=served,
                )
        return self.reply_with_result(dispatcher, result, served=served)

    def _typed_choice(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str, served: str | None
    ) -> Events:
        offered: Sequence[str] = tracker.get_slot("offered_articles") or []
        position = chosen_position(text, offered=len(offered)) if offered else None
        if position is None:
            utter(dispatcher, Reply(say("knowledge.which_one", served)))
            return [SlotSet("awaiting_feedback", False)]
        article = self.services.searcher.article(offered[position])
        if article is None:
            return self.reply_with_decline(dispatcher, served)
        return self.reply_with_answer(dispatcher, article, served=served)

    def _topic_button(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, topic: Topic, served: str | None
    ) -> Events:
        searcher = self.services.searcher
        previous = previous_user_message(tracker)
        previous_intent = ((previous or {}).get("intent") or {}).get("name")
        if previous is not None and previous_intent == FALLBACK_INTENT:
            # The customer picked a topic for the question the bot did not understand.
            result = searcher.search(previous["text"], categories=topic.categories)
            if result.decision is not Decision.DECLINE:
                return self.reply_with_result(dispatcher, result, served=served)
        menu = searcher.search(topic.label, categories=topic.categories, limit=TOPIC_MENU_SIZE)
        if not menu.matches:
            return self.reply_with_decline(dispatcher, served)
        said = spoken("knowledge.common", served)
        return self.reply_with_choices(
            dispatcher,
            menu.matches,
            intro=say("knowledge.common", said, topic=topic.label_in(said).lower()),
            served=served,
        )
