"""Questions in other languages against the articles and their translations, with the real
multilingual encoder (its weights ship inside its package) and the demo's translations."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.knowledge.articles import Article
from bot.knowledge.crosslingual import BOTH, MEANING, RULES, WORDING, CrossLingualSearcher


@pytest.fixture
def searcher(multilingual_encoder) -> CrossLingualSearcher:
    return CrossLingualSearcher(multilingual_encoder)


@dataclass(frozen=True)
class Source:
    articles: dict[str, Article]
    translations: dict[str, dict[str, Article]] = field(default_factory=dict)


@pytest.mark.parametrize(
    ("text", "language", "article_id"),
    [
        ("Posso pagare a rate?", "it", "payments-instalments"),
        ("Ho dimenticato la password, come faccio ad entrare?", "it", "account-password-reset"),
        ("Kann ich meine Bestellung noch stornieren?", "de", "orders-cancel"),
        ("¿Puedo pagar con PayPal?", "es", "payments-methods"),
        ("pamirsau slaptazodi, kaip prisijungti", "lt", "account-password-reset"),
    ],
)
def test_a_clear_question_finds_its_article(searcher, demo_searcher, text, language, article_id):
    match = searcher.search(text, language, demo_searcher)

    assert match is not None and match.article.id == article_id
    assert match.article.language == "en"  # the caller picks the translation


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Che tempo farà domani a Milano?", "it"),  # nothing in the help centre answers it
        ("Kokia rytoj bus orų prognozė Vilniuje?", "lt"),
        ("Kā es varu atgriezt preci?", "lv"),  # Latvian: no encoder reads it, no translation
        ("Come posso restituire un articolo?", None),  # language unknown
        ("   ", "it"),
    ],
)
def test_no_answer_unless_the_match_is_clear_and_the_language_read(
    searcher, demo_searcher, text, language
):
    assert searcher.search(text, language, demo_searcher) is None


def test_each_language_is_read_by_the_signals_it_has(searcher, demo_searcher):
    def kind(language: str) -> str | None:
        return searcher.signals(["?"], language, demo_searcher).kind

    assert (kind("it"), kind("lt"), kind("de"), kind("lv")) == (BOTH, WORDING, MEANING, None)
    assert searcher.can_search("lt", demo_searcher) and not searcher.can_search("lv", demo_searcher)


def test_every_article_is_scored_and_the_translation_comes_with_the_match(searcher, demo_searcher):
    found = searcher.signals(["Posso pagare a rate?"], "it", demo_searcher)
    scores = found.scores(RULES[BOTH])[0]

    assert set(found.article_ids) == set(demo_searcher.articles)
    assert found.article_ids[scores.argmax()] == "payments-instalments"
    match = searcher.search("Posso pagare a rate?", "it", demo_searcher)
    assert match is not None and match.translation is not None
    assert (match.translation.id, match.translation.language) == ("payments-instalments", "it")
    german = searcher.search("Kann ich meine Bestellung noch stornieren?", "de", demo_searcher)
    assert german is not None and german.translation is None  # no German translations


def test_the_articles_vectors_are_made_again_for_a_rebuilt_index(searcher, demo_searcher):
    english = dict(demo_searcher.articles)
    first = searcher.signals(["Posso pagare a rate?"], "it", Source(english))
    fewer = {k: v for k, v in english.items() if k != "payments-instalments"}
    second = searcher.signals(["Posso pagare a rate?"], "it", Source(fewer))

    assert "payments-instalments" in first.article_ids
    assert "payments-instalments" not in second.article_ids
    assert second.meaning is not None and second.meaning.shape == (1, len(fewer))
    assert second.wording is None  # no translations in this source


def test_a_translation_is_matched_in_its_own_words(searcher, demo_searcher):
    # An Italian phrasing only the translation has brings its article first.
    articles = dict(demo_searcher.articles)
    original = articles["payments-gift-cards"]
    translated = Article(
        id=original.id,
        question="Come uso un buono regalo?",
        variants=("ho ricevuto una gift card dalla nonna, come la spendo",),
        answer="Inserisci il codice del buono al pagamento.",
        category=original.category,
        language="it",
    )
    question = "nonna mi ha regalato una gift card come la spendo"
    without = searcher.signals([question], "it", Source(articles))
    with_it = searcher.signals(
        [question], "it", Source(articles, {"it": {original.id: translated}})
    )

    column = with_it.article_ids.index(original.id)
    assert without.meaning is not None and with_it.meaning is not None
    assert with_it.meaning[0, column] > without.meaning[0, column]
    assert with_it.wording is not None and with_it.wording[0].argmax() == column


class CountingEncoder:
    """The real encoder, counting the texts it is asked to encode."""

    def __init__(self, encoder) -> None:
        self.encoder, self.texts = encoder, 0

    def encode(self, texts):
        self.texts += len(texts)
        return self.encoder.encode(texts)


def test_a_language_matched_by_wording_only_never_loads_the_encoder(
    multilingual_encoder, demo_searcher
):
    counting = CountingEncoder(multilingual_encoder)
    searcher = CrossLingualSearcher(counting)

    match = searcher.search("pamirsau slaptazodi, kaip prisijungti", "lt", demo_searcher)
    assert match is not None and match.translation is not None
    assert counting.texts == 0

    assert searcher.search("Posso pagare a rate?", "it", demo_searcher) is not None
    made = counting.texts  # the articles' texts, once, and the question
    assert made > len(demo_searcher.articles)
    searcher.search("Ho dimenticato la password, come faccio ad entrare?", "it", demo_searcher)
    assert counting.texts == made + 1  # the vectors are kept: only the question


def test_warmed_up_the_first_question_read_by_meaning_encodes_only_itself(
    multilingual_encoder, demo_searcher
):
    # The action server warms up before serving: the first Italian question must not hold up
    # every conversation while the articles are encoded.
    counting = CountingEncoder(multilingual_encoder)
    searcher = CrossLingualSearcher(counting)

    searcher.warm_up(demo_searcher)
    warmed = counting.texts
    assert warmed > len(demo_searcher.articles)
    assert searcher.search("Posso pagare a rate?", "it", demo_searcher) is not None

    assert counting.texts == warmed + 1
