"""Customer text hygiene: what we do to a message before any model reads it.

Customers send anything: nothing at all, 10,000 characters, only emoji, other scripts, HTML,
control characters. ``inspect_message`` returns a cleaned copy for the models (the original
is always what gets stored) plus flags the bot uses to reply sensibly.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass

#: Models only read the start of very long messages; the full text is still stored.
MAX_MODEL_CHARS = 1000
#: The longest message any channel accepts (the widget's own limit): longer text is cut
#: here at the channel, the customer is told, and what was kept is what gets stored.
MAX_MESSAGE_CHARS = 5000


class TextFlag(enum.StrEnum):
    """Something notable about a customer's message."""

    EMPTY = "empty"  # nothing left after cleaning (also: only whitespace or control characters)
    NO_WORDS = "no_words"  # only emoji, symbols or punctuation
    TRUNCATED = "truncated"  # longer than MAX_MODEL_CHARS: models read the beginning
    MARKUP = "markup"  # looks like HTML or script
    CONTROL_CHARACTERS = "control_characters"  # invisible or control characters were removed
    MIXED_SCRIPTS = "mixed_scripts"  # letters from more than one writing system
    NOT_LATIN = "not_latin"  # most letters are not Latin: probably not English
    OTHER_LANGUAGE = "other_language"  # confidently another language (bot.language)
    ASKED_FOR_LANGUAGE = "asked_for_language"  # "English, please" (bot.language.asked_for)


@dataclass(frozen=True)
class InspectedText:
    """A message cleaned for the models, with what was noticed on the way."""

    original: str
    cleaned: str
    flags: frozenset[TextFlag]

    @property
    def is_usable(self) -> bool:
        """True when there is something a model can read (letters or digits)."""
        return not ({TextFlag.EMPTY, TextFlag.NO_WORDS} & self.flags)


# Characters that change how text displays without being visible: bidi overrides (the
# "Trojan source" trick), zero-width joiners, byte-order marks.
_INVISIBLE = {
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
}
_MARKUP_HINTS = ("<script", "</", "/>", "javascript:", "onerror=", "onload=", "<img", "<a ")


def _script_of(char: str) -> str | None:
    """A coarse writing-system name for a letter (LATIN, CYRILLIC, CJK, ...)."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    if not name:
        return None
    first = name.split(" ")[0]
    return "CJK" if first in {"CJK", "HIRAGANA", "KATAKANA"} else first


def is_unseen(char: str) -> bool:
    """Cleaning removes this character, or it is space: the models never see it."""
    return char in _INVISIBLE or char.isspace() or unicodedata.category(char) == "Cc"


def visible_start(text: str) -> str:
    """``text`` from its first character the models see (what cleaning would start with)."""
    for index, char in enumerate(text):
        if not is_unseen(char):
            return text[index:]
    return ""


def inspect_message(text: str | None, *, max_chars: int = MAX_MODEL_CHARS) -> InspectedText:
    """Clean ``text`` for the models and flag what is unusual about it."""
    original = text or ""
    flags: set[TextFlag] = set()

    normalized = unicodedata.normalize("NFC", original)
    kept: list[str] = []
    for char in normalized:
        if char in _INVISIBLE:
            flags.add(TextFlag.CONTROL_CHARACTERS)
            continue
        category = unicodedata.category(char)
        if category == "Cc" and char not in "\n\t":
            flags.add(TextFlag.CONTROL_CHARACTERS)
            kept.append(" ")
            continue
        kept.append(char)
    # One space between words: newlines and tabs carry no meaning for the models.
    cleaned = " ".join("".join(kept).split())

    if not cleaned:
        flags.add(TextFlag.EMPTY)
    elif not any(ch.isalnum() for ch in cleaned):
        flags.add(TextFlag.NO_WORDS)

    lowered = cleaned.lower()
    if any(hint in lowered for hint in _MARKUP_HINTS):
        flags.add(TextFlag.MARKUP)

    letter_scripts = [s for s in map(_script_of, cleaned) if s is not None]
    if len(set(letter_scripts)) > 1:
        flags.add(TextFlag.MIXED_SCRIPTS)
    if letter_scripts and sum(s != "LATIN" for s in letter_scripts) > len(letter_scripts) / 2:
        flags.add(TextFlag.NOT_LATIN)

    if len(cleaned) > max_chars:
        flags.add(TextFlag.TRUNCATED)
        cut = cleaned[:max_chars]
        # Cut at a word boundary when there is one reasonably close.
        space = cut.rfind(" ")
        cleaned = cut[:space] if space > max_chars * 0.8 else cut

    return InspectedText(original=original, cleaned=cleaned, flags=frozenset(flags))


def parse_flags(values: object) -> frozenset[TextFlag]:
    """Flags from their stored names (as in Rasa's parse data); unknown names are ignored."""
    known = {flag.value: flag for flag in TextFlag}
    if not isinstance(values, list | tuple | set | frozenset):
        return frozenset()
    return frozenset(known[v] for v in values if isinstance(v, str) and v in known)


def folded(text: str) -> str:
    """Lower case, without accents: "Grąžinti" → "grazinti" (for matching what customers type
    with and without them)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
