"""Every customer message gets a reply, even when part of the system is down.

If the action server is unreachable or Rasa fails on a message, Rasa logs the error and the
customer would get no answer at all. ``never_silent`` wraps a channel's message handler:
when the turn produced nothing, the customer is told, with the ways to reach a person.
The one expected silence: a person from the team has the conversation (the bot stays out of
it, ``bot.rasa_server.policies.handoff``), which the queue in the support desk's database says.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.business import load_business_facts
from bot.errors import SupportBotError
from bot.handoff.lifecycle import Status
from bot.privacy.log_ids import conversation_ref
from bot.services import services_for
from bot.settings import Settings

logger = logging.getLogger(__name__)

UNAVAILABLE = (
    "Sorry, I can't answer right now because part of our system isn't responding. "
    "Please try again in a few minutes."
)


def unavailable_text(settings: Settings) -> str:
    """The apology, with contact details when the business facts can be read."""
    try:
        contact = load_business_facts(settings.business_facts_file).contact
    except SupportBotError:
        return UNAVAILABLE
    return f"{UNAVAILABLE} You can also reach our team at {contact.email} or {contact.phone}."


def replies_sent(output: Any) -> int:
    """How many replies an output channel has sent: its counter, or its collected messages."""
    if hasattr(output, "sent"):
        return int(output.sent)
    return len(getattr(output, "messages", ()))


def with_agent(settings: Settings, conversation_id: str) -> bool:
    """A person from the team has this conversation now."""
    try:
        handoff = services_for(settings).handoff_queue.open_for(conversation_id)
    except Exception:  # the desk database is unreadable: apologising is the safe side
        logger.exception("could not read the handoff queue")
        return False
    return handoff is not None and handoff.status is Status.ASSIGNED


def never_silent(
    on_new_message: Callable[[Any], Awaitable[Any]],
    *,
    settings: Settings,
    expects_silence: Callable[[str], bool] | None = None,
) -> Callable[[Any], Awaitable[None]]:
    """Wrap Rasa's ``on_new_message`` so an empty turn becomes an apology (unless
    ``expects_silence(conversation_id)``: by default, an agent has the conversation)."""
    silent_ok = expects_silence or functools.partial(with_agent, settings)

    async def handle(message: Any) -> None:
        output = message.output_channel
        before = replies_sent(output)
        try:
            await on_new_message(message)
        finally:
            if replies_sent(output) == before and not await asyncio.to_thread(
                silent_ok, message.sender_id
            ):
                logger.error(
                    "no reply produced for conversation %s", conversation_ref(message.sender_id)
                )
                await output.send_text_message(message.sender_id, unavailable_text(settings))

    return handle
