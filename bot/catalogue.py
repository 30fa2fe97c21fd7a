"""What the bot says in the languages its customers write most, beside the English.

The bot's conversation is English; these are the phrases it says to a customer who writes
another language (written for the project): that it reads English only, the "Talk to a person"
button, the note before an English article that answers their question, the words around an
article translated into their language (``bot.knowledge.translations``), and what follows it:
"glad it helped", "sorry it didn't", the satisfaction question and its thanks. A language
without an entry gets the English; a phrase left out (None) is said in English.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat import TALK_TO_A_PERSON, Button

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
    #: After an answer: "yes, thanks", and "no" (followed by the person button).
    glad_it_helped: str | None = None
    not_helpful: str | None = None
    #: The satisfaction question, with the labels of 1 and 5 ...
    survey: tuple[str, str, str] | None = None
    #: ... and what follows a score: satisfied; low, passed to the team; low ...
    thanks: tuple[str, str, str] | None = None
    #: ... and a comment after it: passed on with a follow-up for the team; passed on.
    comment: tuple[str, str] | None = None


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
        "Perfetto, sono contento di esserti stato d'aiuto! Posso fare qualcos'altro per te?",
        "Mi dispiace che non ti sia stato utile. Puoi chiedere di nuovo con altre parole, "
        "oppure parlare con una persona del nostro team.",
        (
            "Un'ultima domanda prima di salutarci: quanto sei soddisfatto dell'aiuto ricevuto "
            "oggi? 1 è scarso, 5 è ottimo. (Puoi saltarla e continuare a scrivere.)",
            "1 – scarso",
            "5 – ottimo",
        ),
        (
            "Grazie! Se vuoi aggiungere qualcosa, scrivilo qui, oppure fai un'altra domanda.",
            "Mi dispiace di non esserti stato d'aiuto, e grazie per avercelo detto. Ho passato "
            "questa conversazione al nostro team, così una persona vedrà cosa è andato storto. "
            "Se vuoi raccontarci di più, scrivilo qui.",
            "Grazie per avercelo detto. Cosa avremmo potuto fare meglio? Se vuoi, scrivilo qui: "
            "arriva direttamente al nostro team.",
        ),
        (
            "Grazie. L'ho passato al nostro team e una persona esaminerà questa conversazione. "
            "Posso aiutarti con qualcos'altro?",
            "Grazie, l'ho passato al nostro team. Posso aiutarti con qualcos'altro?",
        ),
    ),
    "lt": Phrases(
        "Atsiprašau, kol kas suprantu tik anglų kalbą. Jei norite bendrauti kita kalba, "
        "galbūt jums galės padėti mūsų komandos darbuotojas.",
        "Kalbėti su žmogumi",
        "Štai atsakymas iš mūsų pagalbos centro, kol kas tik anglų kalba. Jei norite, galbūt "
        "jums galės padėti mūsų komandos darbuotojas.",
        more="Daugiau:",
        helped=("Ar atsakiau į jūsų klausimą?", "Taip, ačiū", "Ne"),
        weekdays=LITHUANIAN_WEEKDAYS,
        glad_it_helped="Puiku, džiaugiuosi, kad padėjau! Ar galiu dar kuo nors padėti?",
        not_helpful="Atsiprašau, kad tai nepadėjo. Galite paklausti kitais žodžiais arba "
        "pasikalbėti su mūsų komandos darbuotoju.",
        survey=(
            "Dar vienas trumpas klausimas prieš atsisveikinant: kaip vertinate šiandien gautą "
            "pagalbą? 1 – prastai, 5 – puikiai. (Galite praleisti ir toliau rašyti.)",
            "1 – prastai",
            "5 – puikiai",
        ),
        thanks=(
            "Ačiū! Jei norite ką nors pridurti, parašykite čia arba užduokite kitą klausimą.",
            "Atsiprašau, kad jus nuvylėme, ir ačiū, kad pasakėte. Perdaviau šį pokalbį mūsų "
            "komandai, kad darbuotojas peržiūrėtų, kas nepavyko. Jei norite papasakoti "
            "daugiau, parašykite čia.",
            "Ačiū, kad pasakėte. Ką galėjome padaryti geriau? Jei norite, parašykite čia – tai "
            "pateks tiesiai mūsų komandai.",
        ),
        comment=(
            "Ačiū. Perdaviau tai mūsų komandai, ir darbuotojas peržiūrės šį pokalbį. Ar galiu "
            "dar kuo nors padėti?",
            "Ačiū, perdaviau tai mūsų komandai. Ar galiu dar kuo nors padėti?",
        ),
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


def person_button(language: str | None) -> Button:
    """The "Talk to a person" button, its title in ``language`` where the bot has it."""
    said = phrases(language)
    return (
        TALK_TO_A_PERSON
        if said is None
        else Button(said.talk_to_a_person, TALK_TO_A_PERSON.payload)
    )


def weekday_names(language: str | None) -> tuple[str, ...] | None:
    """Monday to Sunday in ``language`` (None: not known here, English included)."""
    said = phrases(language)
    return said.weekdays if said is not None else None
