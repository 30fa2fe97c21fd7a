"""Signs of anger in the wording of one message: shouting, "!!!" and profanity.

The sentiment model reads words; these read the typing. A message in capitals, a run of
exclamation marks or swearing turns a negative message into an angry one. Profanity is
matched as whole words (so "class" or "Scunthorpe" never match), including the usual
masked spellings ("f*ck", "sh!t").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Capitalised words that are names, not shouting.
_ACRONYMS = frozenset(
    {"DHL", "UPS", "USPS", "DPD", "FAQ", "PDF", "VAT", "USA", "GBP", "EUR", "USD", "SMS", "URL"}
    | {"ASAP", "PIN", "ID", "OK", "XL", "XXL", "XS", "EU", "UK", "US", "TV", "PC", "IT", "FYI"}
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_EXCLAMATIONS = re.compile(r"[!！](?:[?？\s]*[!！])+")

# Whole words (any case); "*", "!", "@", "#" or "$" may stand for letters after the first.
_PROFANITY = re.compile(
    r"(?<![\w*])(?:"
    r"f[u*@#$!]+c?k+(?:ing|in|ed|er|ers|s|up)?|f[*@#$]{2,}(?:ing|in|ed)?|fk|fck(?:ing)?|"
    r"sh[i*!1]+t(?:ty|s|e)?|bullsh[i*!1]+t|crap(?:py)?|damn(?:ed|it)?|goddamn|"
    r"bloody|wtf|ffs|omfg|stfu|bastards?|arse(?:hole)?s?|ass(?:hole)?s?|piss(?:ed)?|"
    r"dickheads?|bitch(?:es|ing)?|bollocks|screw you|the hell"
    r")(?![\w*])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Markers:
    """What the wording of one message shows."""

    shouting: bool
    exclamations: bool
    profanity: bool

    @property
    def any(self) -> bool:
        return self.shouting or self.exclamations or self.profanity

    def describe(self) -> list[str]:
        names = (("shouting", self.shouting), ('"!!!"', self.exclamations))
        return [name for name, present in names if present] + (
            ["profanity"] if self.profanity else []
        )


def is_shouting(text: str) -> bool:
    """Mostly capitals: at least two shouted words, and most of the words shouted."""
    words = [w for w in _WORD.findall(text) if w not in _ACRONYMS]
    shouted = [w for w in words if w.isupper()]
    return sum(len(w) >= 3 for w in shouted) >= 2 and len(shouted) >= 0.6 * len(words)


def has_exclamations(text: str) -> bool:
    """Two or more exclamation marks in a row ("!!", "!?!", "! ! !")."""
    return _EXCLAMATIONS.search(text) is not None


def has_profanity(text: str) -> bool:
    return _PROFANITY.search(text) is not None


def read_markers(text: str) -> Markers:
    return Markers(
        shouting=is_shouting(text),
        exclamations=has_exclamations(text),
        profanity=has_profanity(text),
    )
