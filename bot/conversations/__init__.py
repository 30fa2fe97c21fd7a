"""Conversations as recorded in Rasa's tracker store (the system of record): reading them."""

from bot.conversations.store import ConversationStore
from bot.conversations.transcript import TranscriptItem, transcript

__all__ = ["ConversationStore", "TranscriptItem", "transcript"]
