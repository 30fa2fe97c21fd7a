"""Which kind of answer a question asks for: a limit or a cost, or the steps to do something.

"How long have I got to send a jacket back?" and "how do I send a jacket back?" share every
topic word; the embedding puts them close together, and the article with the most similar
nouns wins. What tells them apart is the kind of answer asked for: a time limit, a price or
"is it free" is answered by a policy article, "how do I ..." by a how-to article.

An article's kinds are read from its own phrasings (the share of them that ask each kind),
so a new knowledge base needs nothing extra. A question's kind adds ``kind_weight`` times
that share to the article's score: a prior, never a filter, whose weight ``supportbot kb
calibrate`` chooses (zero when it does not help).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# A limit, a time or a cost: "how long", "how much", "is it free", "do I have to pay", ...
_LIMIT = re.compile(
    r"\b(?:how (?:long|much|many|soon|quickly|late)|"
    r"(?:is|are) (?:it|they|there|returns?|delivery|shipping|postage|the \w+) "
    r"(?:free|charged)|free of charge|(?:have|need|got) to pay|do (?:i|you) (?:pay|charge)|"
    r"costs?|charges?|fees?|price|days|deadline|time limit|window|by when|until when|"
    r"when (?:will|do|does|can|is))\b",
    re.IGNORECASE,
)
# The steps: "how do I", "how to", "where do I", "what do I need to do".
_HOW_TO = re.compile(
    r"\b(?:how (?:do|can|should) i|how to|where (?:do|can) i|what do i (?:need to )?do|"
    r"steps|process)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AnswerKind:
    """How much a text asks for a limit or cost, and for steps (0..1 each)."""

    limit: float
    how_to: float

    def match(self, other: AnswerKind) -> float:
        """How well an article of kind ``other`` answers a question of this kind (0..1)."""
        return max(self.limit * other.limit, self.how_to * other.how_to)


def question_kind(text: str) -> AnswerKind:
    """The kind of answer one question asks for."""
    return AnswerKind(
        limit=1.0 if _LIMIT.search(text) else 0.0,
        how_to=1.0 if _HOW_TO.search(text) else 0.0,
    )


def article_kind(phrasings: Sequence[str]) -> AnswerKind:
    """An article's kind: the share of its phrasings that ask for each kind."""
    if not phrasings:
        return AnswerKind(0.0, 0.0)
    kinds = [question_kind(text) for text in phrasings]
    return AnswerKind(
        limit=sum(k.limit for k in kinds) / len(kinds),
        how_to=sum(k.how_to for k in kinds) / len(kinds),
    )
