"""The greeting: who the customer is talking to, what it can do, and that people are there."""

from __future__ import annotations

from bot.business import BusinessFacts
from bot.catalogue import person_button, say, spoken
from bot.chat import Reply


def greeting_reply(facts: BusinessFacts, language: str | None = None) -> Reply:
    """In ``language`` where the catalogue has it."""
    language = spoken("greeting", language)
    return Reply(
        text=say("greeting", language, company=facts.company_name),
        buttons=(person_button(language),),
    )
