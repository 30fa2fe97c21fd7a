"""Alias of ``bot.rasa_server.nlu.message_cleaner``
for models trained before the move."""

from bot.rasa_server.nlu.message_cleaner import MessageCleaner

__all__ = ["MessageCleaner"]
