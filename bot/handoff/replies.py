"""What the customer is told about the live chat with the team, honestly, from live data.

Every text here is built from the queue (position, wait estimate from the agents online and
recent handling times) and the business facts (hours, promised wait, contact options). The
bot never says someone will be right there when nobody is working or online.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.business import BusinessFacts
from bot.chat import Button, Reply, intent_payload
from bot.handoff.wait import describe_wait

LEAVE_A_MESSAGE = Button("Leave a message", intent_payload("leave_message"))
BACK_TO_THE_BOT = Button("Back to the bot", intent_payload("cancel_handoff"))
KEEP_CHATTING = Button("Keep chatting with the bot", intent_payload("cancel_handoff"))


def describe_position(position: int) -> str:
    return "next in the queue" if position == 1 else f"number {position} in the queue"


def _wait_sentence(wait: timedelta | None) -> str:
    if wait is None:
        return "I can't estimate the wait right now."
    if wait <= timedelta(0):
        return "A team member has room for you, so it should be a minute or two."
    return f"The wait is {describe_wait(wait)}."


def too_long(wait: timedelta | None, facts: BusinessFacts) -> bool:
    """The estimate is beyond what the company promises (or cannot be made)."""
    promised = timedelta(minutes=facts.live_chat.promised_wait_minutes)
    return wait is None or wait > promised


def queued_reply(position: int, wait: timedelta | None, facts: BusinessFacts) -> Reply:
    """Just queued: position, honest wait, and what happens to messages written meanwhile."""
    text = (
        f"I've asked for a person from our team: you're {describe_position(position)}. "
        f"{_wait_sentence(wait)} Anything you write while you wait is passed on to them."
    )
    if too_long(wait, facts):
        return Reply(text + " " + _longer_than_promised(facts), (LEAVE_A_MESSAGE, BACK_TO_THE_BOT))
    return Reply(text, (BACK_TO_THE_BOT,))


def waiting_reply(position: int, wait: timedelta | None, facts: BusinessFacts) -> Reply:
    """The customer wrote while waiting: it is kept for the agent; where they stand now."""
    text = (
        f"Thanks, the team will see that. You're {describe_position(position)}. "
        f"{_wait_sentence(wait)}"
    )
    buttons = (LEAVE_A_MESSAGE, BACK_TO_THE_BOT) if too_long(wait, facts) else (BACK_TO_THE_BOT,)
    return Reply(text, buttons)


def update_reply(position: int, wait: timedelta | None, facts: BusinessFacts) -> Reply:
    """A periodic or position-change update while waiting."""
    text = (
        f"Still waiting for the team: you're {describe_position(position)}. {_wait_sentence(wait)}"
    )
    if too_long(wait, facts):
        return Reply(text + " " + _longer_than_promised(facts), (LEAVE_A_MESSAGE, BACK_TO_THE_BOT))
    return Reply(text, (BACK_TO_THE_BOT,))


def _longer_than_promised(facts: BusinessFacts) -> str:
    return (
        f"That's longer than the {facts.live_chat.promised_wait_minutes} minutes we aim for, "
        f"sorry. You can leave a message instead and we'll reply within "
        f"{facts.contact.email_reply_within}, or keep waiting."
    )


def unavailable_reply(facts: BusinessFacts, now: datetime) -> Reply:
    """Nobody can take the chat: the team is off, or nobody is online. No false promise."""
    contact = facts.contact
    if facts.hours.is_open(now):
        situation = (
            "Nobody from our team is free to chat right now, sorry. You can call them on "
            f"{contact.phone} ({facts.hours.describe_week()})."
        )
    else:
        situation = (
            f"Our team isn't working right now; they're back "
            f"{facts.hours.describe_next_opening(now)} (phone {contact.phone})."
        )
    return Reply(
        f"{situation} Or leave a message here and we'll reply within "
        f"{contact.email_reply_within}, or keep chatting with me.",
        (LEAVE_A_MESSAGE, KEEP_CHATTING),
    )


def cancelled_reply() -> Reply:
    return Reply(
        "OK, you've left the queue and you're back with me, the bot. What can I help with? "
        '(You can ask for a person again any time: just say "talk to a person".)'
    )


def ask_for_message(*, needs_contact: bool) -> Reply:
    if needs_contact:
        text = (
            "Please write your message for our team, with an email address or phone number "
            "we can reach you on."
        )
    else:
        text = "Please write your message for our team; they'll reply to you here."
    return Reply(text, (BACK_TO_THE_BOT,))


def ask_for_contact() -> Reply:
    return Reply(
        "Thanks. How can we reach you? Please write an email address or a phone number.",
        (BACK_TO_THE_BOT,),
    )


def message_left_reply(facts: BusinessFacts, now: datetime, reference: str, contact: str) -> Reply:
    if facts.hours.is_open(now):
        when = "The team is working now"
    else:
        when = f"The team is back {facts.hours.describe_next_opening(now)}"
    return Reply(
        f"Thank you, your message is with our team (reference {reference}), along with this "
        f"conversation. {when} and will reply to {contact} within "
        f"{facts.contact.email_reply_within}. Anything else I can help with meanwhile?"
    )


def message_dropped_reply() -> Reply:
    return Reply("OK, no message then. I'm still here: what can I help with?")


def joined_text(agent: str) -> str:
    return f"{agent} from our team has joined the chat."


def transferred_text(agent: str) -> str:
    return f"{agent} from our team is taking over the chat."


def requeued_text(position: int, wait: timedelta | None) -> str:
    return (
        f"Sorry, the team member you were chatting with had to leave. You keep your place: "
        f"you're {describe_position(position)}. {_wait_sentence(wait)}"
    )


def back_to_bot_text(agent: str | None, *, closed: bool) -> str:
    who = agent or "Our team"
    done = "has closed the chat" if closed else "has handed you back to me"
    return (
        f"{who} {done}. You're chatting with the bot again: ask me anything, or say "
        '"talk to a person" if you need the team again.'
    )


def reference_for(handoff_id: str) -> str:
    """A short reference a customer can quote (the random end of the handoff id)."""
    return "M-" + handoff_id[-8:].upper()


def abandoned_text() -> str:
    """What a customer who left mid-handoff finds when they come back."""
    return (
        "Your chat with the team ended because the chat page was closed. You're chatting with "
        'the bot again: ask me anything, or say "talk to a person" if you need the team again.'
    )
