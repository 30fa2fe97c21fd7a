"""Business facts: company, support hours, contacts and policies, from one editable file."""

from bot.business.facts import (
    BusinessFacts,
    ComplaintPolicy,
    ContactOptions,
    LiveChatPolicy,
    load_business_facts,
)
from bot.business.hours import BusinessHours, OpeningHours

__all__ = [
    "BusinessFacts",
    "BusinessHours",
    "ComplaintPolicy",
    "ContactOptions",
    "LiveChatPolicy",
    "OpeningHours",
    "load_business_facts",
]
