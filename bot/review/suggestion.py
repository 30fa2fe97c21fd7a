"""What a review group most likely is, for the lead's form: the bot's guess, another intent,
a question variant of an article, a new intent, or (for a group the bot answered wrongly) that
the article needs work.

``Nearest`` holds labelled texts (intent examples, article questions) with their embeddings;
``suggest`` compares a group's representative text with them.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from bot.embeddings import Embedder
from bot.review.inbox import ARTICLE_NEEDS_WORK
from bot.review.needs_work import readable_articles

#: Similarity from which a group is suggested as an existing intent or article.
SUGGEST_SIMILARITY = 0.6
_WORD = re.compile(r"[a-z]{3,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "your",
        "can",
        "how",
        "what",
        "when",
        "where",
        "why",
        "with",
        "this",
        "that",
        "have",
        "has",
        "was",
        "are",
        "not",
        "does",
        "did",
        "but",
        "from",
        "will",
        "would",
        "could",
        "please",
        "there",
        "about",
        "any",
        "get",
        "got",
        "into",
        "its",
        "just",
    ]
) | {"email", "phone", "card", "iban", "order", "address", "name"}  # the masks


class Nearest:
    """Labelled texts (intent examples, or article questions) and their embeddings."""

    def __init__(self, labels: list[str], texts: list[str], embedder: Embedder) -> None:
        self.labels = labels
        self.texts = texts
        self.vectors = (
            np.asarray(embedder.embed(texts), dtype=np.float32) if texts else np.zeros((0, 1))
        )

    @classmethod
    def of_intents(cls, examples: dict[str, list[str]], embedder: Embedder) -> Nearest:
        pairs = [(intent, text) for intent, texts in examples.items() for text in texts]
        return cls([p[0] for p in pairs], [p[1] for p in pairs], embedder)

    @classmethod
    def of_articles(cls, kb_dir: Path, embedder: Embedder) -> Nearest:
        articles = readable_articles(kb_dir)
        pairs = [(a.id, text) for a in articles for text in a.phrasings]
        return cls([p[0] for p in pairs], [p[1] for p in pairs], embedder)

    def best(
        self, vector: Any, *, besides: Collection[str] = ()
    ) -> tuple[str | None, str | None, float]:
        """The nearest label (other than ``besides``), its text and similarity."""
        allowed = [i for i, label in enumerate(self.labels) if label not in besides]
        if not allowed:
            return None, None, 0.0
        scores = self.vectors[allowed] @ np.asarray(vector, dtype=np.float32)
        best = int(np.argmax(scores))
        return self.labels[allowed[best]], self.texts[allowed[best]], float(scores[best])


def suggest(
    text: str,
    vector: Any,
    predicted: str | None,
    intents: Nearest,
    articles: Nearest,
    *,
    answered_wrongly_with: Collection[str] = (),
) -> dict[str, Any]:
    """What the group most likely is: the bot's guess, another intent, an article, or new.

    A group the bot answered wrongly is about its answer: a question variant of another
    article (never of the one it was wrongly answered with), or else that article needs work.
    """
    intent, example, intent_similarity = intents.best(vector)
    article, question, article_similarity = articles.best(vector, besides=answered_wrongly_with)
    if answered_wrongly_with:
        near = article is not None and article_similarity >= SUGGEST_SIMILARITY
        proposal = "faq_variant" if near else ARTICLE_NEEDS_WORK
    elif intent and intent == predicted and intent_similarity >= SUGGEST_SIMILARITY:
        proposal = "accept"
    elif article and article_similarity >= SUGGEST_SIMILARITY:
        proposal = "faq_variant"
    elif intent and intent_similarity >= SUGGEST_SIMILARITY:
        proposal = "intent"
    else:
        proposal = "new"
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    name = "ask_" + "_".join(list(dict.fromkeys(words))[:2]) if words else "ask_new_topic"
    return {
        "proposal": proposal,
        "intent": intent,
        "intent_example": example,
        "intent_similarity": round(intent_similarity, 3),
        "article": article,
        "article_question": question,
        "article_similarity": round(article_similarity, 3),
        "new_intent_name": name,
    }
