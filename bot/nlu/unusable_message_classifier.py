"""Alias of ``bot.rasa_server.nlu.unusable_message_classifier``
for models trained before the move."""

from bot.rasa_server.nlu.unusable_message_classifier import UnusableMessageClassifier

__all__ = ["UnusableMessageClassifier"]
