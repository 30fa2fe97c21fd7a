"""Agent assist: the knowledge-base articles that best answer what the customer asked.

The console offers them beside the canned replies, for the agent to insert and edit. They come
from the same search the bot answers with (``bot.knowledge``), for the session's latest
message that asks something: "hello?" or "Talk to a person" are skipped for the question
before them. The message's vectors stored by the NLU are reused when they match the index's
model, so most suggestions cost no embedding. Unlike the bot, the agent is shown the best
articles even when the bot would have declined: a person judges whether one fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from bot.conversations.events import (
    CONVERSATIONAL_INTENTS,
    CustomerMessage,
    Event,
    current_session,
    customer_message,
)
from bot.knowledge import Searcher

#: How many articles are suggested.
SUGGESTIONS = 3
#: Intents whose messages ask nothing the knowledge base could answer.
_NOT_QUESTIONS = CONVERSATIONAL_INTENTS | {"cancel_handoff", "leave_message"}
_WORD = re.compile(r"\w+")


class ArticleSuggestions:
    """Suggests articles for a conversation (``searcher``: called when first needed, so a web
    service whose agents never ask does not load the embedding model)."""

    def __init__(self, searcher: Callable[[], Searcher], *, limit: int = SUGGESTIONS) -> None:
        self._searcher = searcher
        self._limit = limit

    def for_events(self, events: Sequence[Event]) -> dict[str, Any]:
        """``{"for": the message searched (or None), "decision": what the bot would do,
        "articles": [{id, question, answer, link, category, score}]}``."""
        message = latest_question(events)
        if message is None:
            return {"for": None, "decision": None, "articles": []}
        result = self._searcher().search(
            message.text, limit=self._limit, shared_vectors=message.parse
        )
        return {
            "for": message.text,
            "decision": result.decision.value,
            "articles": [
                {
                    "id": match.article.id,
                    "question": match.article.question,
                    "answer": match.article.answer,
                    "link": match.article.link,
                    "category": match.article.category,
                    "score": round(match.score, 3),
                }
                for match in result.matches[: self._limit]
            ],
        }


def latest_question(events: Sequence[Event]) -> CustomerMessage | None:
    """The session's latest typed customer message that asks something."""
    for event in reversed(current_session(events)):
        message = customer_message(event)
        if message is None or message.clicked or message.only_a_file:
            continue
        if message.intent in _NOT_QUESTIONS:
            continue
        if len(_WORD.findall(message.text)) >= 2:
            return message
    return None
