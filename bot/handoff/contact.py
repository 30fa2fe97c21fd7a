"""Contact details both ways: how a customer reaches the team, and how the team reaches them.

When the live chat cannot help (the service is down), a person is reached by phone or email:
the bot says when the team is working and, outside those hours, when they are back — never
"someone will be right with you" when nobody is working. When a customer leaves a message,
``find_contact`` picks the email address or phone number out of what they wrote.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.business import BusinessFacts
from bot.chat import Reply
from bot.privacy.patterns import find_emails

_PHONE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{5,24}\d(?!\w)")  # bounded: linear time


def find_contact(text: str) -> str | None:
    """The first email address in ``text``, else the first phone number (7+ digits).

    Both searches take time in proportion to the text's length (the redactor's address
    pattern starts only where a run of address characters starts)."""
    for start, end in find_emails(text):
        return text[start:end]
    for match in _PHONE.finditer(text):
        if sum(c.isdigit() for c in match.group(0)) >= 7:
            return match.group(0).strip()
    return None


def human_contact_reply(facts: BusinessFacts, now: datetime) -> Reply:
    """How to reach a person now, given the team's hours."""
    contact = facts.contact
    if facts.hours.is_open(now):
        text = (
            f"Our team is working now, so you can reach a person by phone on {contact.phone}, "
            f"or by email at {contact.email} (we reply within {contact.email_reply_within}). "
            f"Team hours: {facts.hours.describe_week()}."
        )
    else:
        text = (
            f"Our team isn't working right now; they're back "
            f"{facts.hours.describe_next_opening(now)}. You can email {contact.email} now and "
            f"we'll reply within {contact.email_reply_within}, or call {contact.phone} "
            f"when the team is back ({facts.hours.describe_week()})."
        )
    return Reply(text=text)


def complaint_reply(
    facts: BusinessFacts,
    now: datetime,
    *,
    reference: str,
    first_response_due: datetime | None,
    resolution_due: datetime | None,
) -> Reply:
    """A complaint gets an apology, its reference, the deadlines the company commits to (from
    the business facts, counted in the team's working time) and a concrete next step."""
    policy = facts.complaints
    hours = facts.hours
    if first_response_due is not None:
        due = hours.describe_moment(first_response_due, now=now)
        answer = f"a person from our team will reply by {due}"
    else:
        answer = (
            f"a person from our team replies within {policy.first_response_hours} working hours"
        )
    if resolution_due is not None:
        local = resolution_due.astimezone(hours.zone)
        resolve = (
            f"we aim to resolve it by {local.strftime('%A')} {local.day} {local.strftime('%B')}"
        )
    else:
        resolve = f"we aim to resolve it within {policy.resolution_days} working days"
    return Reply(
        f"I'm sorry about this, and thank you for telling us. I've logged your complaint as "
        f"{reference}: {answer} ({policy.first_response_hours} working hours at most), and "
        f"{resolve}."
    )


def complaint_next_step(facts: BusinessFacts, now: datetime, reference: str) -> str:
    """What to do now when nobody can chat: how the team can reach the customer."""
    contact = facts.contact
    if facts.hours.is_open(now):
        situation = "Nobody from the team is free to chat right now."
    else:
        situation = f"Our team is back {facts.hours.describe_next_opening(now)}."
    return (
        f"{situation} So they can reach you, leave a message with your email address or phone "
        f"number, or email {contact.email} quoting {reference}."
    )
