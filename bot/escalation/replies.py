"""What the customer reads when the bot offers a person or hands over.

One plain apology, no grovelling, then an honest next step rendered from the business facts:
whether the team is working now, and if not, when it is back. The customer's words and the
internal reason ("negative sentiment ...") are never echoed back.
"""

from __future__ import annotations

from datetime import datetime

from bot.business import BusinessFacts
from bot.chat import TALK_TO_A_PERSON, Reply
from bot.escalation.decision import Decision

_OPENINGS = {
    "failures": "Sorry I haven't managed to sort this out for you.",
    "negative_streak": "I'm sorry this has been so frustrating.",
    "negativity_rising": "I'm sorry this is getting frustrating.",
    "negative_message": "I'm sorry about the trouble.",
    "profanity": "I'm sorry about the trouble.",
}
_HANDOVER_OPENINGS = {
    "asked_for_person": "Of course.",
    "strong_anger": "I'm sorry about this. Let's get you to a person.",
    "negative_streak": "I'm sorry I haven't been more help. Let's get you to a person.",
    "repeated_failures": "I'm not getting this right, so let's get you to a person.",
}


def offer_reply(facts: BusinessFacts, now: datetime, decision: Decision) -> Reply:
    """An offer of a person the customer can take or ignore."""
    opening = _OPENINGS.get(decision.trigger, "I'm sorry about the trouble.")
    if facts.hours.is_open(now):
        step = "A person from our team can take this over: they're working now."
    else:
        step = (
            f"Our team isn't working right now (they're back "
            f"{facts.hours.describe_next_opening(now)}), but I can tell you how to reach them."
        )
    return Reply(
        text=f"{opening} {step} Or just keep typing and I'll keep trying.",
        buttons=(TALK_TO_A_PERSON,),
    )


def handover_opening(decision: Decision) -> str:
    """The sentence before the ways to reach a person ("" when none is needed)."""
    return _HANDOVER_OPENINGS.get(decision.trigger, "")
