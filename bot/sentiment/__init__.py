"""Sentiment of customer messages: the model, its data, training and evaluation."""

from bot.sentiment.base import LABELS, Sentiment, SentimentModel

__all__ = ["LABELS", "Sentiment", "SentimentModel"]
