"""What the customer is told about the live chat with the team, honestly, from live data.

Every text here is built from the queue (position, wait estimate from the agents online and
recent handling times) and the business facts (hours, promised wait, contact options). The
bot never says someone will be right there when nobody is working or online.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.business import BusinessFacts
from bot.catalogue import say
from bot.chat import Button, Reply, intent_payload
from bot.handoff.wait import describe_wait

LEAVE_A_MESSAGE = Button(say("handoff.leave_message"), intent_payload("leave_message"))
BACK_TO_THE_BOT = Button(say("handoff.back_to_the_bot"), intent_payload("cancel_handoff"))
KEEP_CHATTING = Button(say("handoff.keep_chatting"), intent_payload("cancel_handoff"))


def _button(button: Button, key: str, language: str | None) -> Button:
    return Button(say(key, language), button.payload)


def describe_position(position: int, language: str | None = None) -> str:
    if position == 1:
        return say("handoff.next_in_queue", language)
    return say("handoff.number_in_queue", language, position=position)


def _wait_sentence(wait: timedelta | None, language: str | None) -> str:
    if wait is None:
        return say("handoff.wait_unknown", language)
    if wait <= timedelta(0):
        return say("handoff.wait_now", language)
    return say("handoff.wait", language, wait=describe_wait(wait, language))


def _standing(key: str, position: int, wait: timedelta | None, language: str | None) -> str:
    """Message ``key`` with where the customer stands in the queue and the honest wait."""
    return say(
        key,
        language,
        position=describe_position(position, language),
        wait=_wait_sentence(wait, language),
    )


def too_long(wait: timedelta | None, facts: BusinessFacts) -> bool:
    """The estimate is beyond what the company promises (or cannot be made)."""
    promised = timedelta(minutes=facts.live_chat.promised_wait_minutes)
    return wait is None or wait > promised


def _waiting_buttons(
    wait: timedelta | None, facts: BusinessFacts, language: str | None
) -> tuple[Button, ...]:
    back = _button(BACK_TO_THE_BOT, "handoff.back_to_the_bot", language)
    if too_long(wait, facts):
        return (_button(LEAVE_A_MESSAGE, "handoff.leave_message", language), back)
    return (back,)


def queued_reply(
    position: int, wait: timedelta | None, facts: BusinessFacts, language: str | None = None
) -> Reply:
    """Just queued: position, honest wait, and what happens to messages written meanwhile."""
    text = _standing("handoff.queued", position, wait, language)
    if too_long(wait, facts):
        text += " " + _longer_than_promised(facts, language)
    return Reply(text, _waiting_buttons(wait, facts, language))


def waiting_reply(
    position: int, wait: timedelta | None, facts: BusinessFacts, language: str | None = None
) -> Reply:
    """The customer wrote while waiting: it is kept for the agent; where they stand now."""
    text = _standing("handoff.waiting", position, wait, language)
    return Reply(text, _waiting_buttons(wait, facts, language))


def update_reply(
    position: int, wait: timedelta | None, facts: BusinessFacts, language: str | None = None
) -> Reply:
    """A periodic or position-change update while waiting."""
    text = _standing("handoff.update", position, wait, language)
    if too_long(wait, facts):
        text += " " + _longer_than_promised(facts, language)
    return Reply(text, _waiting_buttons(wait, facts, language))


def _longer_than_promised(facts: BusinessFacts, language: str | None) -> str:
    return say(
        "handoff.longer_than_promised",
        language,
        minutes=facts.live_chat.promised_wait_minutes,
        reply_within=_reply_within(facts, language),
    )


def _reply_within(facts: BusinessFacts, language: str | None) -> str:
    return facts.placeholders(language)["email_reply_within"]


def unavailable_reply(facts: BusinessFacts, now: datetime, language: str | None = None) -> Reply:
    """Nobody can take the chat: the team is off, or nobody is online. No false promise."""
    phone = facts.contact.phone
    if facts.hours.is_open(now):
        situation = say("handoff.nobody_free", language, phone=phone, hours=facts.week(language))
    else:
        opening = facts.next_opening(now, language)
        situation = say("handoff.team_off", language, opening=opening, phone=phone)
    return Reply(
        say(
            "handoff.unavailable",
            language,
            situation=situation,
            reply_within=_reply_within(facts, language),
        ),
        (
            _button(LEAVE_A_MESSAGE, "handoff.leave_message", language),
            _button(KEEP_CHATTING, "handoff.keep_chatting", language),
        ),
    )


def cancelled_reply(language: str | None = None) -> Reply:
    return Reply(say("handoff.cancelled", language))


def ask_for_message(*, needs_contact: bool, language: str | None = None) -> Reply:
    key = "handoff.ask_message_and_contact" if needs_contact else "handoff.ask_message"
    return Reply(
        say(key, language), (_button(BACK_TO_THE_BOT, "handoff.back_to_the_bot", language),)
    )


def ask_for_contact(language: str | None = None) -> Reply:
    return Reply(
        say("handoff.ask_contact", language),
        (_button(BACK_TO_THE_BOT, "handoff.back_to_the_bot", language),),
    )


def message_left_reply(
    facts: BusinessFacts,
    now: datetime,
    reference: str,
    contact: str | None,
    language: str | None = None,
) -> Reply:
    """The message is with the team; the reply goes to ``contact`` (None: here, in the chat)."""
    if facts.hours.is_open(now):
        when = say("handoff.team_working", language)
    else:
        when = say("handoff.team_back", language, opening=facts.next_opening(now, language))
    return Reply(
        say(
            "handoff.message_left" if contact else "handoff.message_left_here",
            language,
            reference=reference,
            when=when,
            contact=contact,
            reply_within=_reply_within(facts, language),
        )
    )


def ended_meanwhile_reply(language: str | None = None) -> Reply:
    """The customer wrote to a handoff that has just ended: the bot answers again."""
    return Reply(say("handoff.ended_meanwhile", language))


def nothing_to_cancel_reply(language: str | None = None) -> Reply:
    """ "Back to the bot" when there is no queue to leave."""
    return Reply(say("handoff.nothing_to_cancel", language))


def message_dropped_reply(language: str | None = None) -> Reply:
    return Reply(say("handoff.message_dropped", language))


def joined_text(agent: str, language: str | None = None) -> str:
    return say("handoff.joined", language, agent=agent)


def transferred_text(agent: str, language: str | None = None) -> str:
    return say("handoff.transferred", language, agent=agent)


def requeued_text(position: int, wait: timedelta | None, language: str | None = None) -> str:
    return _standing("handoff.requeued", position, wait, language)


def back_to_bot_text(agent: str | None, *, closed: bool, language: str | None = None) -> str:
    if agent is None:
        return say("handoff.closed_by_team" if closed else "handoff.handed_back_by_team", language)
    return say("handoff.closed" if closed else "handoff.handed_back", language, agent=agent)


def reference_for(handoff_id: str) -> str:
    """A short reference a customer can quote (the random end of the handoff id)."""
    return "M-" + handoff_id[-8:].upper()


def abandoned_text(language: str | None = None) -> str:
    """What a customer who left mid-handoff finds when they come back."""
    return say("handoff.abandoned", language)
