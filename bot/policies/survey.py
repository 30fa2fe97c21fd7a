"""Alias of ``bot.rasa_server.policies.survey``
for models trained before the move."""

from bot.rasa_server.policies.survey import SurveyPolicy

__all__ = ["SurveyPolicy"]
