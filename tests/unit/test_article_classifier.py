"""The classifier learned from the knowledge base's phrasings, and the kind of answer asked for."""

from __future__ import annotations

import numpy as np
import pytest

from bot.knowledge.answer_kind import article_kind, question_kind
from bot.knowledge.article_classifier import ArticleClassifier


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


# Three articles, each phrased three ways around its own direction.
VECTORS = np.vstack(
    [
        unit(1, 0.1, 0),
        unit(1, 0, 0.1),
        unit(0.9, 0.1, 0.1),
        unit(0.1, 1, 0),
        unit(0, 1, 0.1),
        unit(0.1, 0.9, 0.1),
        unit(0, 0.1, 1),
        unit(0.1, 0, 1),
        unit(0.1, 0.1, 0.9),
    ]
)
LABELS = [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_the_classifier_favours_the_article_whose_phrasings_surround_the_query():
    classifier = ArticleClassifier.train(VECTORS, LABELS, articles=3)

    probabilities = classifier.probabilities(unit(0.2, 1, 0.1))

    assert probabilities.argmax() == 1
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def test_two_articles_and_one_article_are_classified_too():
    two = ArticleClassifier.train(VECTORS[:6], LABELS[:6], articles=2)
    assert two.probabilities(unit(1, 0, 0)).argmax() == 0
    assert two.probabilities(unit(0, 1, 0)).argmax() == 1

    one = ArticleClassifier.train(VECTORS[:3], LABELS[:3], articles=1)
    assert one.probabilities(unit(0, 1, 0)).tolist() == [1.0]


def test_an_article_without_training_rows_gets_no_probability():
    classifier = ArticleClassifier.train(VECTORS[:6], LABELS[:6], articles=3)

    assert classifier.probabilities(unit(0, 0, 1))[2] == pytest.approx(0.0)


def test_the_classifier_survives_saving_and_loading(tmp_path):
    classifier = ArticleClassifier.train(VECTORS, LABELS, articles=3)
    path = tmp_path / "classifier.npz"

    classifier.save(path)
    loaded = ArticleClassifier.load(path)

    query = unit(0.3, 0.2, 1)
    assert np.allclose(loaded.probabilities(query), classifier.probabilities(query))


@pytest.mark.parametrize(
    ("text", "limit", "how_to"),
    [
        ("how long have I got to send a jacket back", 1, 0),
        ("do I have to pay for sending stuff back", 1, 0),
        ("is delivery free", 1, 0),
        ("how much is express postage", 1, 0),
        ("how do I send something back", 0, 1),
        ("what do i need to do to cancel", 0, 1),
        ("my parcel is late", 0, 0),
        ("hello", 0, 0),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(text, limit, how_to):
    kind = question_kind(text)

    assert (kind.limit, kind.how_to) == (limit, how_to)


def test_an_articles_kind_is_the_share_of_its_phrasings_of_each_kind():
    kind = article_kind(["Are returns free?", "who pays for return postage", "return cost", "x"])

    assert kind.limit == pytest.approx(0.5)  # "free" and "cost"; "pays for" is not "pay for"
    assert kind.how_to == 0.0
    assert question_kind("is it free").match(kind) == pytest.approx(0.5)
    assert question_kind("how do I return it").match(kind) == 0.0
    assert article_kind([]).limit == 0.0


def test_a_knowledge_base_too_large_to_train_on_gets_no_probabilities(monkeypatch, tmp_path):
    from bot.knowledge import article_classifier

    monkeypatch.setattr(article_classifier, "MAX_TRAINING_ROWS", 5)
    classifier = ArticleClassifier.train(VECTORS, LABELS, articles=3)

    assert not classifier.trained
    assert classifier.probabilities(unit(1, 0, 0)).tolist() == [0.0, 0.0, 0.0]
    classifier.save(tmp_path / "c.npz")
    assert not ArticleClassifier.load(tmp_path / "c.npz").trained
