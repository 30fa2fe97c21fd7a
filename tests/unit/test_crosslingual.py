"""Questions in other languages against the English articles, with the real multilingual encoder
(its weights ship inside its package)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from bot.knowledge.articles import Article
from bot.knowledge.crosslingual import ANSWER_THRESHOLD, CrossLingualSearcher


@pytest.fixture
def searcher(multilingual_encoder) -> CrossLingualSearcher:
    return CrossLingualSearcher(multilingual_encoder)


@pytest.mark.parametrize(
    ("text", "language", "article_id"),
    [
        ("Posso pagare a rate?", "it", "payments-instalments"),
        ("Ho dimenticato la password, come faccio ad entrare?", "it", "account-password-reset"),
        ("Kann ich meine Bestellung noch stornieren?", "de", "orders-cancel"),
        ("¿Puedo pagar con PayPal?", "es", "payments-methods"),
    ],
)
def test_a_clear_question_finds_the_english_article(
    searcher, demo_searcher, text, language, article_id
):
    match = searcher.search(text, language, demo_searcher)

    assert match is not None and match.article.id == article_id
    assert match.score >= ANSWER_THRESHOLD


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Che tempo farà domani a Milano?", "it"),  # nothing in the help centre answers it
        ("Kaip grąžinti prekę?", "lt"),  # a language the encoder was not trained on
        ("Come posso restituire un articolo?", None),  # language unknown
        ("   ", "it"),
    ],
)
def test_no_answer_unless_the_match_is_clear_and_the_language_read(
    searcher, demo_searcher, text, language
):
    assert searcher.search(text, language, demo_searcher) is None


def test_the_ranking_covers_every_article_best_first(searcher, demo_searcher):
    ranked = searcher.rank("Posso pagare a rate?", demo_searcher)

    assert {m.article.id for m in ranked} == set(demo_searcher.articles)
    scores = [m.score for m in ranked]
    assert scores == sorted(scores, reverse=True)
    assert ranked[0].article.id == "payments-instalments"


@dataclass(frozen=True)
class Source:
    articles: dict[str, Article]
    translations: dict[str, dict[str, Article]] = field(default_factory=dict)


def test_the_articles_vectors_are_made_again_for_a_rebuilt_index(searcher, demo_searcher):
    articles = dict(demo_searcher.articles)
    first = searcher.similarities(["Posso pagare a rate?"], Source(articles))
    fewer = {k: v for k, v in articles.items() if k != "payments-instalments"}
    second = searcher.similarities(["Posso pagare a rate?"], Source(fewer))

    assert "payments-instalments" in first.article_ids
    assert "payments-instalments" not in second.article_ids
    assert second.best_phrasing.shape == (1, len(fewer))
    assert np.allclose(second.scores(0.0), second.best_phrasing)


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
    without = searcher.similarities([question], Source(articles))
    with_it = searcher.similarities(
        [question], Source(dict(articles), {"it": {original.id: translated}})
    )

    column = with_it.article_ids.index(original.id)
    assert with_it.best_phrasing[0, column] > without.best_phrasing[0, column]
    assert with_it.scores(0.5)[0].argmax() == column
