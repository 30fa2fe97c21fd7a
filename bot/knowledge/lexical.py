"""Word overlap between a question and an article (BM25), to complement meaning.

Sentence embeddings sometimes rank an article first because it shares a product word
("boots", "jacket") while the customer's actual concern ("return", "receipt") is elsewhere.
A lexical score over each article's phrasings and answer pulls the right one back up. It is
saturated to [0, 1) so that it can be added to cosine similarities, and it is computed only
for the candidates the embedding search found.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "get",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "will",
        "with",
        "yes",
        "you",
        "your",
    ]
)
_K1 = 1.2
_B = 0.75


def stem(word: str) -> str:
    """A deliberately light English stemmer: returns → return, boots → boot, washed → wash."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed words without stop words."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


@dataclass(frozen=True)
class LexicalIndex:
    """BM25 statistics for a fixed set of documents (one per article)."""

    doc_ids: tuple[str, ...]
    term_counts: tuple[dict[str, int], ...]
    lengths: tuple[int, ...]
    document_frequency: dict[str, int]

    @classmethod
    def build(cls, documents: Iterable[tuple[str, str]]) -> LexicalIndex:
        ids, counts, lengths = [], [], []
        frequency: Counter[str] = Counter()
        for doc_id, text in documents:
            words = terms(text)
            counted = Counter(words)
            ids.append(doc_id)
            counts.append(dict(counted))
            lengths.append(len(words))
            frequency.update(counted.keys())
        return cls(tuple(ids), tuple(counts), tuple(lengths), dict(frequency))

    def scores(self, query: str, doc_positions: Sequence[int], *, saturation: float) -> list[float]:
        """Saturated BM25, ``bm25 / (bm25 + saturation)``, for the documents at these positions."""
        query_terms = set(terms(query))
        n = len(self.doc_ids)
        average = (sum(self.lengths) / n) if n else 1.0
        results = []
        for position in doc_positions:
            counts = self.term_counts[position]
            length = self.lengths[position]
            total = 0.0
            for term in query_terms:
                tf = counts.get(term)
                if not tf:
                    continue
                df = self.document_frequency.get(term, 0)
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                total += idf * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * length / average))
            results.append(total / (total + saturation) if total > 0 else 0.0)
        return results

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_ids": list(self.doc_ids),
            "term_counts": list(self.term_counts),
            "lengths": list(self.lengths),
            "document_frequency": self.document_frequency,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LexicalIndex:
        return cls(
            doc_ids=tuple(data["doc_ids"]),
            term_counts=tuple(data["term_counts"]),
            lengths=tuple(data["lengths"]),
            document_frequency=dict(data["document_frequency"]),
        )
