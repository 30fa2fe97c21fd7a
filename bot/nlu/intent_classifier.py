"""Alias of ``bot.rasa_server.nlu.intent_classifier``
for models trained before the move."""

from bot.rasa_server.nlu.intent_classifier import EmbeddingIntentClassifier

__all__ = ["EmbeddingIntentClassifier"]
