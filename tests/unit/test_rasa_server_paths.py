"""Models trained before the Rasa-side code moved to ``bot/rasa_server/`` name their
components by the old paths; Rasa loads a model by importing each name, so the old paths must
give the very same classes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.shared.utils.common import class_from_module_path

from tests.conftest import PROJECT

#: The component names of config.yml before the move (a model from then names these).
BEFORE_THE_MOVE = [
    "bot.nlu.message_cleaner.MessageCleaner",
    "bot.nlu.sentence_embedding_featurizer.SentenceEmbeddingFeaturizer",
    "bot.nlu.sentiment_analyzer.SentimentAnalyzer",
    "bot.nlu.intent_classifier.EmbeddingIntentClassifier",
    "bot.nlu.unusable_message_classifier.UnusableMessageClassifier",
    "bot.policies.handoff.HandoffPolicy",
    "bot.policies.survey.SurveyPolicy",
    "bot.policies.frustration.FrustrationPolicy",
]


@pytest.mark.parametrize("old", BEFORE_THE_MOVE)
def test_an_old_component_name_loads_the_same_class(old):
    new = old.replace("bot.", "bot.rasa_server.", 1)

    assert class_from_module_path(old) is class_from_module_path(new)


def test_config_names_every_component_by_its_new_home():
    config = yaml.safe_load(Path(PROJECT / "config.yml").read_text())
    ours = [c["name"] for c in config["pipeline"] + config["policies"] if "." in c["name"]]

    assert all(name.startswith("bot.rasa_server.") for name in ours)
    assert {o.replace("bot.", "bot.rasa_server.", 1) for o in BEFORE_THE_MOVE} <= set(ours)
