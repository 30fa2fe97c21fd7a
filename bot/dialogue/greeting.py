"""The greeting: who the customer is talking to, what it can do, and that people are there."""

from __future__ import annotations

from bot.business import BusinessFacts
from bot.chat import TALK_TO_A_PERSON, Reply


def greeting_reply(facts: BusinessFacts) -> Reply:
    return Reply(
        text=(
            f"Hi! I'm the virtual assistant of {facts.company_name}. Ask me anything about "
            "orders, delivery, returns, payments, your account or our products. "
            "If you'd rather talk to a person, just say so at any time."
        ),
        buttons=(TALK_TO_A_PERSON,),
    )
