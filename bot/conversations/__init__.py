"""Conversations as recorded in Rasa's tracker store (the system of record): reading them.

The store itself is read by ``bot.storage.tracker.ConversationStore``."""

from bot.conversations.transcript import TranscriptItem, transcript

__all__ = ["TranscriptItem", "transcript"]
