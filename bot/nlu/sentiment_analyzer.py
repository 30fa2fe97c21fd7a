"""Alias of ``bot.rasa_server.nlu.sentiment_analyzer``
for models trained before the move."""

from bot.rasa_server.nlu.sentiment_analyzer import SentimentAnalyzer

__all__ = ["SentimentAnalyzer"]
