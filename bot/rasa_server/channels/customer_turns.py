"""What every channel (REST, socket.io, Slack) does with a customer's message before Rasa
reads it, and after.

* **One length limit** (``MAX_MESSAGE_CHARS``, the widget's own): a longer message is cut
  here, the customer is told so plainly, and what was kept is what Rasa reads and stores.
  Nothing longer reaches any model or regular expression, whichever channel it came by.
* **Payloads only from what was offered** (``bot.dialogue.payloads``): ``/intent{...}`` text
  is honoured only when the bot offered that button in this conversation's session (or it is
  the always-available "Talk to a person"); other such text is read as ordinary words. The
  conversation is read only for messages that look like a payload.
* **Never silent** (``never_silent``): a turn that produced no reply gets an apology with the
  ways to reach a person; a turn that failed is logged here by the conversation's reference,
  not by Rasa's channel code (which logs the message's text).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.conversations.events import BUTTON_TITLE
from bot.dialogue.fallback import CUT_MESSAGE_NOTE
from bot.dialogue.payloads import as_text, is_accepted, is_payload, offered_payloads
from bot.privacy.log_ids import conversation_ref
from bot.rasa_server.channels.never_silent import never_silent
from bot.services import services_for
from bot.settings import Settings
from bot.storage.tracker import ConversationStore
from bot.text import MAX_MESSAGE_CHARS

logger = logging.getLogger(__name__)

#: How many of a conversation's latest events are read to find the buttons it offered.
RECENT_EVENTS = 300


def customer_turns(
    on_new_message: Callable[[Any], Awaitable[Any]], *, settings: Settings
) -> Callable[[Any], Awaitable[None]]:
    """Wrap Rasa's ``on_new_message`` (see the module docstring)."""
    answer = never_silent(on_new_message, settings=settings)
    store = services_for(settings).conversation_store()

    async def handle(message: Any) -> None:
        text = message.text if isinstance(message.text, str) else ""
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[:MAX_MESSAGE_CHARS]
            note = CUT_MESSAGE_NOTE.format(limit=MAX_MESSAGE_CHARS)
            await message.output_channel.send_text_message(message.sender_id, note)
        if is_payload(text) and not await asyncio.to_thread(
            was_offered, store, message.sender_id, text
        ):
            logger.info(
                "a button payload not offered in conversation %s is read as text",
                conversation_ref(message.sender_id),
            )
            text = as_text(text)
            if isinstance(message.metadata, dict):
                message.metadata.pop(BUTTON_TITLE, None)  # no button was clicked
        message.text = text
        try:
            await answer(message)
        except Exception:  # the customer was told (never_silent); Rasa's own log would add
            logger.exception(  # the message's text, which logs never hold
                "the turn of conversation %s failed", conversation_ref(message.sender_id)
            )

    return handle


def was_offered(store: ConversationStore, conversation_id: str, payload: str) -> bool:
    """The payload is one the conversation may send now (False when it cannot be read)."""
    if is_accepted(payload, ()):
        return True
    try:
        events = store.events(conversation_id, limit=RECENT_EVENTS)
    except Exception:  # the tracker store is unreadable: the words are still answered
        logger.exception("could not read conversation %s", conversation_ref(conversation_id))
        return False
    return is_accepted(payload, offered_payloads(events))
