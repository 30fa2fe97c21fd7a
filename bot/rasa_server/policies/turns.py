"""What our policies share: the customer message the bot has to respond to now, if any."""

from __future__ import annotations

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker


def message_to_answer(tracker: DialogueStateTracker) -> UserUttered | None:
    """The customer's message, when it is the latest thing (slot changes aside) the bot heard
    after listening; None after the bot's own actions or for an event without text."""
    if tracker.latest_action_name != ACTION_LISTEN_NAME:
        return None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return event if event.text is not None else None
        if isinstance(event, ActionExecuted):
            return None
    return None
