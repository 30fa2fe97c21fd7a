"""What the customer reads when the bot offers a person or hands over.

One plain apology, no grovelling, then an honest next step rendered from the business facts:
whether the team is working now, and if not, when it is back. The customer's words and the
internal reason ("negative sentiment ...") are never echoed back.
"""

from __future__ import annotations

from datetime import datetime

from bot.business import BusinessFacts
from bot.catalogue import person_button, say, spoken
from bot.chat import Reply
from bot.escalation.decision import Decision

#: Triggers with an opening of their own (others: "I'm sorry about the trouble.").
_OFFER_OPENINGS = ("failures", "negative_streak", "negativity_rising")
_HANDOVER_OPENINGS = ("asked_for_person", "strong_anger", "negative_streak", "repeated_failures")


def offer_reply(
    facts: BusinessFacts, now: datetime, decision: Decision, language: str | None = None
) -> Reply:
    """An offer of a person the customer can take or ignore (in ``language`` where the
    catalogue has it)."""
    language = spoken("escalation.offer.offer", language)
    trigger = decision.trigger if decision.trigger in _OFFER_OPENINGS else "trouble"
    opening = say(f"escalation.offer.{trigger}", language)
    if facts.hours.is_open(now):
        step = say("escalation.offer.team_working", language)
    else:
        opening_time = facts.next_opening(now, language)
        step = say("escalation.offer.team_off", language, opening=opening_time)
    return Reply(
        text=say("escalation.offer.offer", language, opening=opening, step=step),
        buttons=(person_button(language),),
    )


def handover_opening(decision: Decision, language: str | None = None) -> str:
    """The sentence before the ways to reach a person ("" when none is needed)."""
    if decision.trigger not in _HANDOVER_OPENINGS:
        return ""
    return say(f"escalation.handover.{decision.trigger}", language)
