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
from bot.chat import Reply
from bot.conversations.events import ANSWER_SLOT
from bot.dialogue.choices import chosen_position
from bot.dialogue.fallback import FALLBACK_INTENT, LONG_MESSAGE_NOTE
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
        if served is not None and served != article.language:
            translations = self.services.searcher.translations.get(served, {})
            article = translations.get(article.id, article)
        utter(dispatcher, answer_reply(article), helped_question(language or article.language))
        return [
            SlotSet(ANSWER_SLOT, article.id),
            SlotSet("offered_articles", None),
            SlotSet("awaiting_feedback", True),
        ]

    def reply_with_choices(
        self,
        dispatcher: CollectingDispatcher,
        choices: Sequence[Match],
        *,
        intro: str | None = None,
    ) -> Events:
        utter(dispatcher, choose_article_reply(choices, intro=intro))
        return [
            SlotSet("offered_articles", [m.article.id for m in choices]),
            SlotSet("awaiting_feedback", False),
        ]

    def reply_with_result(
        self, dispatcher: CollectingDispatcher, result: SearchResult, *, served: str | None
    ) -> Events:
        """Answer (in the ``served`` language where translated), clarify or decline, as the
        search decided."""
        if result.decision is Decision.ANSWER and result.best is not None:
            return self.reply_with_answer(dispatcher, result.best.article, served=served)
        if result.decision is Decision.CLARIFY:
            return self.reply_with_choices(dispatcher, result.choices)
        return self.reply_with_decline(dispatcher)

    def reply_with_decline(self, dispatcher: CollectingDispatcher) -> Events:
        utter(dispatcher, decline_reply())
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

        chosen_id = next(tracker.get_latest_entity_values("article_id"), None)
        if chosen_id:
            article = searcher.article(str(chosen_id))
            if article is None:  # the article was removed since the button was shown
                return self.reply_with_decline(dispatcher)
            return self.reply_with_answer(dispatcher, article, served=customer_language(tracker))

        if intent == "choose_option":
            return self._typed_choice(dispatcher, tracker, text)

        topic = TOPICS.get(intent or "")
        if topic is not None and text.startswith("/"):
            return self._topic_button(dispatcher, tracker, topic)

        if TextFlag.TRUNCATED in text_flags(tracker):
            utter(dispatcher, Reply(LONG_MESSAGE_NOTE))
        result = searcher.search(text, shared_vectors=tracker.latest_message)
        if result.decision is Decision.DECLINE and topic is not None:
            # The classifier knows the topic but no article is close: offer the topic's
            # nearest articles rather than nothing, and say that they are only the closest.
            related = searcher.search(text, categories=topic.categories, limit=3)
            if related.matches:
                utter(dispatcher, Reply("I couldn't find an answer to exactly that."))
                return self.reply_with_choices(
                    dispatcher,
                    related.matches,
                    intro=f"These are the closest questions I have about "
                    f"{topic.label.lower()}. Is it one of them?",
                )
        return self.reply_with_result(dispatcher, result, served=customer_language(tracker))

    def _typed_choice(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str
    ) -> Events:
        offered: Sequence[str] = tracker.get_slot("offered_articles") or []
        position = chosen_position(text, offered=len(offered)) if offered else None
        if position is None:
            utter(
                dispatcher,
                Reply("Sorry, I'm not sure which one you mean. Could you ask your question again?"),
            )
            return [SlotSet("awaiting_feedback", False)]
        article = self.services.searcher.article(offered[position])
        if article is None:
            return self.reply_with_decline(dispatcher)
        return self.reply_with_answer(dispatcher, article, served=customer_language(tracker))

    def _topic_button(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, topic: Topic
    ) -> Events:
        searcher = self.services.searcher
        previous = previous_user_message(tracker)
        previous_intent = ((previous or {}).get("intent") or {}).get("name")
        if previous is not None and previous_intent == FALLBACK_INTENT:
            # The customer picked a topic for the question the bot did not understand.
            result = searcher.search(previous["text"], categories=topic.categories)
            if result.decision is not Decision.DECLINE:
                return self.reply_with_result(dispatcher, result, served=customer_language(tracker))
        menu = searcher.search(topic.label, categories=topic.categories, limit=TOPIC_MENU_SIZE)
        if not menu.matches:
            return self.reply_with_decline(dispatcher)
        return self.reply_with_choices(
            dispatcher,
            menu.matches,
            intro=f"Here are common questions about {topic.label.lower()}. Which one is yours?",
        )
