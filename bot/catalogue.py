"""What the bot says in the languages its customers write most, beside the English.

The bot's conversation is English; these are the phrases it says to a customer who writes
another language (written for the project): that it reads English only, the "Talk to a person"
button, the note before an English article that answers their question, and the words around
an article translated into their language (``bot.knowledge.translations``). A language without
an entry gets the English; a phrase left out (None) is not said in that language.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The English, said when a language has no phrases of its own.
MORE = "More:"
HELPED = ("Did that answer your question?", "Yes, thanks", "No")


@dataclass(frozen=True)
class Phrases:
    only_english: str
    talk_to_a_person: str
    #: Before an English article that answers a question in this language.
    english_article: str | None = None
    #: Before an article's link ("More: ...").
    more: str = MORE
    #: After an answer: did it help? With the two buttons' titles.
    helped: tuple[str, str, str] = HELPED
    #: The weekdays' names, Monday first, as the support hours are written in an article.
    weekdays: tuple[str, ...] | None = None


LITHUANIAN_WEEKDAYS = (
    "pirmadienis", "antradienis", "trečiadienis", "ketvirtadienis", "penktadienis",
    "šeštadienis", "sekmadienis",
)  # fmt: skip

IN_THEIR_LANGUAGE = {
    "it": Phrases(
        "Mi dispiace, per ora capisco solo l'inglese. Se preferisci un'altra lingua, "
        "una persona del nostro team potrebbe aiutarti.",
        "Parla con una persona",
        "Ecco la risposta del nostro centro assistenza, per ora solo in inglese. Se "
        "preferisci, una persona del nostro team potrebbe aiutarti.",
        "Per saperne di più:",
        ("Ho risposto alla tua domanda?", "Sì, grazie", "No"),
        ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    ),
    "lt": Phrases(
        "Atsiprašau, kol kas suprantu tik anglų kalbą. Jei norite bendrauti kita kalba, "
        "galbūt jums galės padėti mūsų komandos darbuotojas.",
        "Kalbėti su žmogumi",
        more="Daugiau:",
        helped=("Ar atsakiau į jūsų klausimą?", "Taip, ačiū", "Ne"),
        weekdays=LITHUANIAN_WEEKDAYS,
    ),
    "de": Phrases(
        "Entschuldigung, ich verstehe bisher nur Englisch. Wenn Sie eine andere Sprache "
        "bevorzugen, kann Ihnen vielleicht jemand aus unserem Team helfen.",
        "Mit einem Menschen sprechen",
        "Hier ist die Antwort aus unserem Hilfe-Center, bisher nur auf Englisch. Wenn Sie "
        "möchten, kann Ihnen vielleicht jemand aus unserem Team helfen.",
    ),
    "fr": Phrases(
        "Désolé, je ne comprends que l'anglais pour le moment. Si vous préférez une autre "
        "langue, une personne de notre équipe pourra peut-être vous aider.",
        "Parler à une personne",
        "Voici la réponse de notre centre d'aide, pour le moment uniquement en anglais. Si "
        "vous préférez, une personne de notre équipe pourra peut-être vous aider.",
    ),
    "es": Phrases(
        "Lo siento, por ahora solo entiendo inglés. Si prefieres otro idioma, quizá una "
        "persona de nuestro equipo pueda ayudarte.",
        "Hablar con una persona",
        "Esta es la respuesta de nuestro centro de ayuda, por ahora solo en inglés. Si lo "
        "prefieres, quizá una persona de nuestro equipo pueda ayudarte.",
    ),
}


def phrases(language: str | None) -> Phrases | None:
    """The phrases in ``language``, or None where there are none (English included)."""
    return IN_THEIR_LANGUAGE.get(language or "")


def weekday_names(language: str | None) -> tuple[str, ...] | None:
    """Monday to Sunday in ``language`` (None: not known here, English included)."""
    said = phrases(language)
    return said.weekdays if said is not None else None
