"""A request for a person, or a complaint, written in Italian or Lithuanian: read from its words.

The intent model is trained on English alone, so a message in another language is "not
understood" (``bot.rasa_server.nlu.unusable_message_classifier``). Two intents must not be lost
that way: asking for a person and complaining, the customer's way out of the bot. They are
recognised here by their words, in the demo shop's other languages, with and without accents:

* a person: a word for one ("una persona", "qualcuno", "darbuotoju") with a word of talking to
  or being put through to them ("parlare", "contattare", "kalbėti", "sujunkite"); or an
  unmistakable one ("operatore", "žmogumi", "konsultantas") with a word of wanting ("vorrei",
  "prašau") or alone in a short message ("operatore!", "žmogų prašau");
* a complaint: a word for one ("reclamo", "skundą"), or a word of complaining with a word of
  filing it ("voglio lamentarmi", "noriu pasiskųsti").

Near misses stay unrecognised: "il corriere era una persona gentile" names a person but asks
for none; "posso parlare della mia esperienza?" asks but names nobody; "posso restituire un
regalo di un'altra persona?" wants something, but not the person. The word lists were
written from the project's own knowledge of the languages and checked on
``bench/data/person_requests_tuning.csv``; ``bench/person_requests.py`` measures them on a
held-out set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import folded

PERSON = "request_human"
COMPLAINT = "complaint"


@dataclass(frozen=True)
class Words:
    """One language's words (stems of folded words, as regular expressions)."""

    someone: str  # a person from the team
    strong: str  # ... unmistakably ("operatore", "žmogus"): asked for by "vorrei", or alone
    contact: str  # talking, writing or being put through to someone
    asking: str  # wanting or asking for something ("vorrei", "prašau"): only with a strong one
    about: str  # a review or an experience: asks for nobody ("my review of your consultant")
    complaint: str  # a complaint named
    complaining: str  # complaining ...
    filing: str  # ... with filing it ("voglio lamentarmi")


WORDS = {
    "it": Words(
        someone=r"operator\w*|addett\w*|persona|persone|umano|umani|umana|consulent\w*|"
        r"assistente|qualcuno|impiegat\w*|agente|responsabile|collega|colleghi|membro|staff",
        strong=r"operator\w*|operatric\w*|addett\w*|umano|umana|consulent\w*|ossa",  # carne e ossa
        contact=r"parl\w*|chatt\w*|scriv\w*|contatt\w*|ricontatt\w*|passa\w*|mett\w*|"
        r"colleg\w*|chiam\w*|richiam\w*|trasfer\w*|discut\w*",
        asking=r"vogli\w*|vorrei|posso|potrei|potete|puoi|puo|serve|servirebbe|bisogno|"
        r"desider\w*|preferi\w*|cerco|disponibil\w*|favore",
        about=r"recension\w*|esperienz\w*",
        complaint=r"reclam\w*",
        complaining=r"lament\w*",
        filing=r"vogli\w*|vorrei|fare|presentare|sporgere|inoltrare|formal\w*",
    ),
    "lt": Words(
        someone=r"zmog\w*|operator\w*|konsultant\w*|darbuotoj\w*|specialist\w*|"
        r"vadybinink\w*|asmeniu|atstov\w*|kazk\w*|koleg\w*|nari\w*|gyv(?:as|a|o|u|am|ui)",
        strong=r"zmog\w*|operator\w*|konsultant\w*|gyv(?:as|a|o|u|am|ui)",
        contact=r"kalb\w*|pasikalb\w*|susisiek\w*|sujun\w*|sujung\w*|perjun\w*|"
        r"paskamb\w*|skamb\w*|parasy\w*|susirasin\w*|pakvies\w*|aptar\w*",
        asking=r"prasau|reikia|reiktu|duok\w*|ieskau|nor\w*|gal\w*",
        about=r"atsiliep\w*|patirt\w*",
        complaint=r"skund\w*",
        complaining=r"pasiskus\w*|nusiskus\w*|skundzi\w*",
        filing=r"nor\w*|pateik\w*",
    ),
}

_WORDS = re.compile(r"[^\W\d_]+")
#: A short message: a person named alone in it asks for one.
_SHORT = 3


def person_or_complaint(text: str, language: str | None = None) -> str | None:
    """``request_human`` or ``complaint`` when the message asks for a person or complains in
    ``language`` (Italian or Lithuanian; either when not known), see the module's docstring;
    None otherwise (and for any other language)."""
    words = _WORDS.findall(folded(text))
    lexicons = [WORDS[language]] if language in WORDS else [] if language else WORDS.values()
    for said in lexicons:
        found = _read(words, said)
        if found is not None:
            return found
    return None


def _read(words: list[str], said: Words) -> str | None:
    if any(_is(word, said.complaint) for word in words):
        return COMPLAINT
    if any(_is(w, said.complaining) for w in words) and any(_is(w, said.filing) for w in words):
        return COMPLAINT
    if not any(_is(word, said.someone) for word in words):
        return None
    if any(_is(word, said.about) for word in words):
        return None
    if any(_is(word, said.contact) for word in words):
        return PERSON
    strong = any(_is(word, said.strong) for word in words)
    if strong and (len(words) <= _SHORT or any(_is(word, said.asking) for word in words)):
        return PERSON
    return None


def _is(word: str, pattern: str) -> bool:
    return re.fullmatch(pattern, word) is not None
