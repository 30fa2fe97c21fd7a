"""``Redactor``: masks personal data in a customer's message before anyone reviews or exports it.

Structured data comes from validated patterns (``bot.privacy.patterns``); street addresses and
names, which have no fixed shape, from spaCy token patterns on a blank English pipeline (no
statistical model ships, so they are found by their context: "my name is ...", "Regards, ...",
"Mr ...", a house number followed by a street name and a street word). Each find is replaced
by its kind: ``[EMAIL]``, ``[PHONE]``, ``[CARD]``, ``[IBAN]``, ``[ORDER]``, ``[ADDRESS]``,
``[NAME]``. Where two finds overlap, the more certain kind wins (the order of ``KINDS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.privacy import patterns

#: spaCy refuses a text longer than 1,000,000 characters (``nlp.max_length``): a longer one
#: (a message logged before the channels' length limit, a pasted document) is read in pieces
#: this long, cut at whitespace (only a name or street cut by a piece's end can be missed).
TOKEN_PIECE_CHARS = 900_000
#: Most certain first: an e-mail address wins over a name inside it, a card over a phone.
KINDS = ("EMAIL", "IBAN", "CARD", "ORDER", "PHONE", "ADDRESS", "NAME")

STREET_WORDS = [
    "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "close", "way",
    "court", "ct", "place", "pl", "square", "sq", "terrace", "gardens", "crescent", "grove",
    "boulevard", "blvd", "row", "mews", "hill", "park", "walk", "strasse", "straße", "weg",
]  # fmt: skip
_NAME_CUES = [
    [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": "is"}],
    [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": "'s"}],
    [{"LOWER": "name"}, {"ORTH": ":"}],
    [{"LOWER": "i"}, {"LOWER": "am"}, {"LOWER": "called"}],
    [{"LOWER": "call"}, {"LOWER": "me"}],
    [{"LOWER": "this"}, {"LOWER": "is"}],
    [{"LOWER": {"IN": ["i'm", "im"]}}],
    [{"LOWER": "i"}, {"LOWER": {"IN": ["am", "'m"]}}],
    [{"LOWER": {"IN": ["mr", "mrs", "ms", "miss", "mx", "dr", "mr.", "mrs.", "ms.", "dr."]}}],
    [{"LOWER": {"IN": ["regards", "thanks", "cheers", "best", "sincerely"]}}, {"ORTH": ","}],
    [{"LOWER": "thank"}, {"LOWER": "you"}, {"ORTH": ","}],
    [{"LOWER": {"IN": ["addressed", "deliver", "delivered", "sent"]}}, {"LOWER": "to"}],
]  # fmt: skip
#: A capitalised word that follows a cue but is not a name ("I'm Sorry", "This is Fernhill").
_NOT_NAMES = {
    "not", "so", "very", "really", "just", "still", "sorry", "happy", "unhappy", "angry",
    "looking", "trying", "waiting", "writing", "calling", "here", "back", "done", "fine", "ok",
    "okay", "good", "great", "the", "a", "an", "your", "my", "it", "this", "that", "about",
    "going", "getting", "having", "interested", "afraid", "sure", "glad", "confused", "annoyed",
    "frustrated", "disappointed", "upset", "new", "now", "also", "again", "in", "on", "at", "for",
    "from", "with", "ridiculous", "unacceptable", "urgent", "customer", "support", "team", "all",
}  # fmt: skip


@dataclass(frozen=True)
class Found:
    kind: str
    start: int
    end: int


class Redactor:
    """Finds and masks personal data. ``order_number_pattern``: the shop's own order numbers
    (a regular expression, e.g. ``FH[0-9]{4,8}``); order numbers after "order", "ref", "#"
    are found without it."""

    def __init__(self, order_number_pattern: str | None = None) -> None:
        self._shop_orders = (
            re.compile(rf"(?<![A-Za-z0-9])(?:{order_number_pattern})(?![A-Za-z0-9])", re.I)
            if order_number_pattern
            else None
        )
        # Imported here: spaCy pulls in thinc, which imports torch and TensorFlow, and every
        # `supportbot` command (--help too) imports this module.
        import spacy
        from spacy.matcher import Matcher

        self._nlp = spacy.blank("en")
        self._matcher = Matcher(self._nlp.vocab)
        self._matcher.add("NAME_CUE", _NAME_CUES)
        number = {"TEXT": {"REGEX": r"^\d{1,5}[A-Za-z]?$"}}
        street_word = {"LOWER": {"IN": STREET_WORDS}}
        title = {"IS_TITLE": True}
        self._matcher.add(
            "STREET",
            [
                [number, title, street_word],
                [number, title, title, street_word],
                [number, title, title, title, street_word],
                [number, {"TEXT": {"REGEX": r"^[A-Z][a-zß]+(strasse|straße|weg)$"}}],
            ],
            greedy="LONGEST",
        )
        self._matcher.add(
            "FLAT",
            [[{"LOWER": {"IN": ["flat", "apartment", "apt", "unit", "suite"]}}, number]],
        )

    def find(self, text: str) -> list[Found]:
        candidates: list[Found] = []
        for kind, spans in (
            ("EMAIL", patterns.find_emails(text)),
            ("IBAN", patterns.find_ibans(text)),
            ("CARD", patterns.find_cards(text)),
            ("ORDER", patterns.find_orders(text, self._shop_orders)),
            ("PHONE", patterns.find_phones(text)),
            ("ADDRESS", patterns.find_postcodes(text)),
        ):
            candidates += [Found(kind, start, end) for start, end in spans]
        candidates += self._from_tokens(text)
        return _without_overlaps(candidates)

    def redact(self, text: str) -> str:
        masked, last = [], 0
        for found in self.find(text):
            masked += [text[last : found.start], f"[{found.kind}]"]
            last = found.end
        masked.append(text[last:])
        return "".join(masked)

    def _from_tokens(self, text: str) -> list[Found]:
        found: list[Found] = []
        for offset, piece in pieces(text, TOKEN_PIECE_CHARS):
            doc = self._nlp(piece)
            for match_id, start, end in self._matcher(doc):
                label = self._nlp.vocab.strings[match_id]
                if label == "NAME_CUE":
                    name = _name_after(doc, end)
                    if name is not None:
                        found.append(Found("NAME", name[0] + offset, name[1] + offset))
                else:
                    span = doc[start:end]
                    found.append(Found("ADDRESS", span.start_char + offset, span.end_char + offset))
        return found


def pieces(text: str, size: int) -> Iterator[tuple[int, str]]:
    """``text`` in pieces of at most ``size`` characters, cut at a space or line break where
    there is one in the piece's second half: (where the piece starts, the piece)."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = max(
                text.rfind(" ", start + size // 2, end), text.rfind("\n", start + size // 2, end)
            )
            end = cut + 1 if cut > start else end
        yield start, text[start:end]
        start = end


def _name_after(doc: Any, index: int) -> tuple[int, int] | None:
    """The capitalised words (at most three) right after a cue, if they look like a name."""
    words: list[Any] = []
    while index < len(doc) and len(words) < 3:
        token = doc[index]
        if not (token.is_title or (token.is_upper and len(token) > 1)) or not token.is_alpha:
            break
        if token.lower_ in _NOT_NAMES:
            break
        words.append(token)
        index += 1
    if not words:
        return None
    return words[0].idx, words[-1].idx + len(words[-1])


def _without_overlaps(candidates: list[Found]) -> list[Found]:
    rank = {kind: number for number, kind in enumerate(KINDS)}
    chosen: list[Found] = []
    for found in sorted(candidates, key=lambda f: (rank[f.kind], f.start - f.end)):
        if all(found.end <= other.start or found.start >= other.end for other in chosen):
            chosen.append(found)
    return sorted(chosen, key=lambda f: f.start)
