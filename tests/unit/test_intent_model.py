from __future__ import annotations

import numpy as np
import pytest

from bot.intents import IntentModel
from tests.fakes import HashEmbedder

EXAMPLES = {
    "ask_refund": ["where is my refund", "refund not received", "when do i get my money back"],
    "ask_returns": ["how do i return an item", "return policy", "send my boots back"],
    "greet": ["hello", "hi there", "good morning"],
}


@pytest.fixture(scope="module")
def trained():
    texts = [t for examples in EXAMPLES.values() for t in examples]
    labels = [intent for intent, examples in EXAMPLES.items() for _ in examples]
    embedder = HashEmbedder()
    return IntentModel.fit(texts, embedder.embed(texts), labels), embedder


def test_the_model_recognises_paraphrases_of_its_examples(trained):
    model, embedder = trained

    ranking = model.rank(
        "my refund has not arrived", embedder.embed(["my refund has not arrived"])[0]
    )

    assert ranking[0][0] == "ask_refund"
    assert sum(confidence for _, confidence in ranking) == pytest.approx(1.0)


def test_typos_are_caught_by_character_ngrams(trained):
    model, embedder = trained

    assert model.rank("helo", embedder.embed(["helo"])[0])[0][0] == "greet"


def test_a_saved_model_predicts_exactly_the_same(trained, tmp_path):
    model, embedder = trained
    texts = ["return the jacket", "hey", "refund?"]
    model.save(tmp_path)

    loaded = IntentModel.load(tmp_path)

    assert loaded.labels == model.labels
    assert np.allclose(
        loaded.predict_proba(texts, embedder.embed(texts)),
        model.predict_proba(texts, embedder.embed(texts)),
    )
    assert not list(tmp_path.glob("*.pkl"))


def test_training_needs_two_intents():
    with pytest.raises(ValueError, match="two intents"):
        IntentModel.fit(["a", "b"], HashEmbedder().embed(["a", "b"]), ["x", "x"])


def test_familiarity_is_the_similarity_to_the_nearest_training_example(trained, tmp_path):
    model, embedder = trained

    assert model.familiarity(embedder.embed(["return policy"])[0]) == pytest.approx(1.0, abs=1e-5)
    unrelated = model.familiarity(embedder.embed(["quantum chromodynamics lecture notes"])[0])
    assert unrelated < 0.5
    model.save(tmp_path)
    assert IntentModel.load(tmp_path).familiarity(embedder.embed(["hello"])[0]) == pytest.approx(
        1.0, abs=1e-5
    )


def test_a_model_saved_without_its_examples_knows_no_familiarity(trained, tmp_path):
    model, embedder = trained
    model.save(tmp_path)
    (tmp_path / "examples.npy").unlink()  # as saved before examples were kept

    assert IntentModel.load(tmp_path).familiarity(embedder.embed(["anything"])[0]) is None


def test_messages_ranked_together_are_ranked_as_each_alone():
    texts = ["where is my parcel", "refund please", "hi", ""]
    rng = np.random.default_rng(3)
    train_texts = ["where is my order", "track my parcel", "I want a refund", "money back", "hello"]
    embeddings = rng.normal(size=(len(train_texts), 8)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    model = IntentModel.fit(
        train_texts,
        embeddings,
        ["track", "track", "refund", "refund", "greet"],
        c=1.0,
        char_weight=0.5,
    )
    asked = rng.normal(size=(len(texts), 8)).astype(np.float32)

    together = model.rankings(texts, asked, limit=3)
    familiar = model.familiarities(asked)

    for i, text in enumerate(texts):
        alone = model.rank(text, asked[i], limit=3)
        assert [name for name, _ in together[i]] == [name for name, _ in alone]
        assert [p for _, p in together[i]] == pytest.approx([p for _, p in alone])
        assert familiar[i] == pytest.approx(model.familiarity(asked[i]))
