"""Intent classification: which kind of message is this (a shop topic, small talk, ...)."""

from bot.intents.model import IntentModel

__all__ = ["IntentModel"]
