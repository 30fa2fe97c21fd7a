"""Alias of ``bot.rasa_server.policies.frustration``
for models trained before the move."""

from bot.rasa_server.policies.frustration import FrustrationPolicy

__all__ = ["FrustrationPolicy"]
