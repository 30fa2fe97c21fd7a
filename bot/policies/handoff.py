"""Alias of ``bot.rasa_server.policies.handoff``
for models trained before the move."""

from bot.rasa_server.policies.handoff import HandoffPolicy

__all__ = ["HandoffPolicy"]
