"""The intent classifier abstains on a message unlike anything it was trained on."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot.intents import IntentModel
from bot.rasa_server.nlu.intent_classifier import FAMILIARITY_KEY, EmbeddingIntentClassifier
from tests.fakes import HashEmbedder

EXAMPLES = {
    "ask_refund": ["where is my refund", "refund not received", "when do i get my money back"],
    "ask_returns": ["how do i return an item", "return policy", "send my boots back"],
    "greet": ["hello", "hi there", "good morning"],
}
EMBEDDER = HashEmbedder()


def classifier(unfamiliar_below: float) -> EmbeddingIntentClassifier:
    texts = [t for examples in EXAMPLES.values() for t in examples]
    labels = [intent for intent, examples in EXAMPLES.items() for _ in examples]
    model = IntentModel.fit(texts, EMBEDDER.embed(texts), labels)
    config = {
        **EmbeddingIntentClassifier.get_default_config(),
        "unfamiliar_below": unfamiliar_below,
    }
    return EmbeddingIntentClassifier(config, None, None, model)  # type: ignore[arg-type]


def message(text: str) -> Message:
    msg = Message(data={TEXT: text})
    vector = EMBEDDER.embed([text])
    msg.add_features(Features(vector, FEATURE_TYPE_SENTENCE, TEXT, "test"))
    return msg


@pytest.mark.parametrize("threshold", [0.0, 0.5])
def test_a_familiar_message_keeps_its_intent(threshold):
    [read] = classifier(threshold).process([message("where is my refund")])

    assert read.get(INTENT)["name"] == "ask_refund"
    assert read.get(FAMILIARITY_KEY) == pytest.approx(1.0, abs=1e-3)


def test_an_unfamiliar_message_is_left_to_the_fallback_ladder():
    text = "quantum chromodynamics lecture notes"

    [trusting] = classifier(0.0).process([message(text)])
    [abstaining] = classifier(0.5).process([message(text)])

    assert trusting.get(INTENT)["name"] in EXAMPLES
    assert abstaining.get(INTENT)["name"] == "nlu_fallback"
    ranking = [entry["name"] for entry in abstaining.get(INTENT_RANKING_KEY)]
    assert ranking[0] == "nlu_fallback" and set(ranking[1:]) == set(EXAMPLES)
    assert abstaining.get(FAMILIARITY_KEY) < 0.5
    assert np.isfinite(abstaining.get(FAMILIARITY_KEY))
