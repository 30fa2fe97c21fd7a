"""Hello, thanks, goodbye, yes and no in Italian and Lithuanian: read from their words.

The intent model is trained on English alone, so "grazie" after an Italian answer, "sì" to
"Did that answer your question?" or a first "labas" would be "not understood", and the customer
told the bot reads only English, by a bot that has just answered them in their language. These
short messages are recognised here by their words, with and without accents.

A message counts only when every word in it is one of these (or a word that goes with them:
"grazie *mille*", "ačiū *labai*", "grazie *per l'aiuto*"), and it has at most ``MOST_WORDS``:
"grazie, ma il pacco non è arrivato" is a question, left to the rest of the pipeline. When words
of several kinds come together, the one that decides is, in order: goodbye ("grazie e
arrivederci"), no ("no grazie"), yes ("sì grazie"), thanks, hello. "ciao" is hello alone and
goodbye after thanks ("grazie, ciao"); "a presto" is goodbye, "presto!" (hurry) is not small
talk; a yes with a question mark ("sicuro?", "tikrai?") is a question, not a yes.

Some words belong to one language only ("grazie", "ačiū", "buongiorno"); others are shared with
English or with each other ("ok", "no", "si"). A message of words of one language only tells its
language even when it is too short for language identification (``Said.language``), so a
customer who opens with "Buongiorno" is greeted in Italian.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import folded

GREET = "greet"
THANK = "thank"
GOODBYE = "goodbye"
AFFIRM = "affirm"
DENY = "deny"
#: Which kind decides when several come together (first wins).
PRECEDENCE = (GOODBYE, DENY, AFFIRM, THANK, GREET)
#: Longer messages are questions or stories, not small talk.
MOST_WORDS = 6


def known(words: str) -> frozenset[str]:
    """A set of words, written as one string."""
    return frozenset(words.split())


#: Words (folded: lower case, no accents) by kind, per language. "ciao" is a greeting here;
#: see ``_CIAO``.
WORDS: dict[str, dict[str, frozenset[str]]] = {
    "it": {
        GREET: known("ciao salve buongiorno buonasera buonpomeriggio giorno sera ehi"),
        THANK: known("grazie ringrazio ringraziamo ringraziamenti gentilissimo"),
        GOODBYE: known("arrivederci arrivederla addio apresto prossima giornata serata"),
        AFFIRM: known(
            "si certo certamente esatto esattamente ok okay perfetto giusto sicuro accordo "
            "ottimo benissimo bene"
        ),
        DENY: known("no niente nient nulla"),
    },
    "lt": {
        GREET: known("labas laba sveiki sveikas sveika sveikinu rytas vakaras vakaro diena"),
        THANK: known("aciu dekoju dekui dekojame"),
        GOODBYE: known("viso gero iki sudie pasimatymo geros dienos"),
        AFFIRM: known("taip gerai zinoma tikrai aisku tinka puiku ok okay"),
        DENY: known("ne nea nieko nereikia"),
    },
}
#: Words that go with them but say nothing on their own ("grazie mille", "ačiū labai").
FILLERS = {
    "it": known(
        "e mille tante tanto molto ancora di per l aiuto tutto tutti a te vi la buon buona "
        "d altro va alla"
    ),
    "lt": known("labai jums tau uz pagalba ir visiems labo viskas"),
}
#: Words English speakers use as well, or both languages: they tell no language.
SHARED = frozenset({"ciao", "ok", "okay", "no", "si", "ehi", "va", "e", "a", "di", "la"})
_CIAO = "ciao"
#: "a presto" is goodbye; "presto!" alone is "hurry up".
_A_PRESTO = re.compile(r"\ba\s+presto\b")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Said:
    """What a short message says: its intent, and its language when only one language uses
    its words (None: "ok", "no", "ciao", or words of both)."""

    intent: str
    language: str | None


def small_talk(text: str, language: str | None = None) -> Said | None:
    """Hello, thanks, goodbye, yes or no in ``language`` (Italian or Lithuanian; either when
    not known), see the module's docstring; None for anything else."""
    words = _WORD.findall(_A_PRESTO.sub("apresto", folded(text)))
    if not words or len(words) > MOST_WORDS:
        return None
    candidates = [language] if language in WORDS else [] if language else list(WORDS)
    found = [(code, said) for code in candidates if (said := _read(words, code)) is not None]
    if not found:
        return None
    intents = {said for _, said in found}
    intent = next(kind for kind in PRECEDENCE if kind in intents)
    if intent == AFFIRM and "?" in text:
        return None  # "sicuro?", "tikrai?": a question, not a yes
    own = [code for code, said in found if said == intent and _tells(words, code)]
    return Said(intent, own[0] if len(own) == 1 else None)


def _read(words: list[str], language: str) -> str | None:
    kinds = WORDS[language]
    said = set()
    for word in words:
        found = [kind for kind, known in kinds.items() if word in known]
        if not found and word not in FILLERS[language]:
            return None
        said.update(found)
    if not said:
        return None
    if _CIAO in words and said & {THANK, GOODBYE}:
        said = (said - {GREET}) | {GOODBYE}  # "grazie, ciao"
    return next(kind for kind in PRECEDENCE if kind in said)


def _tells(words: list[str], language: str) -> bool:
    """Whether the words are this language's own: one of them at least is not shared with
    English or with the other language."""
    others = [code for code in WORDS if code != language]
    for word in words:
        if word in SHARED:
            continue
        elsewhere = any(
            word in known for code in others for known in (*WORDS[code].values(), FILLERS[code])
        )
        if not elsewhere:
            return True
    return False
