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
from bot.catalogue import say, words
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


def human_contact_reply(facts: BusinessFacts, now: datetime, language: str | None = None) -> Reply:
    """How to reach a person now, given the team's hours (in ``language`` where the bot has
    the words)."""
    contact = facts.contact
    said = {
        "phone": contact.phone,
        "email": contact.email,
        "reply_within": facts.placeholders(language)["email_reply_within"],
        "hours": facts.week(language),
    }
    if facts.hours.is_open(now):
        return Reply(text=say("contact.team_working", language, **said))
    opening = facts.next_opening(now, language)
    return Reply(text=say("contact.team_off", language, opening=opening, **said))


def complaint_reply(
    facts: BusinessFacts,
    now: datetime,
    *,
    reference: str,
    first_response_due: datetime | None,
    resolution_due: datetime | None,
    language: str | None = None,
) -> Reply:
    """A complaint gets an apology, its reference, the deadlines the company commits to (from
    the business facts, counted in the team's working time) and a concrete next step."""
    policy = facts.complaints
    if first_response_due is not None:
        due = facts.moment(first_response_due, now, language)
        answer = say("complaint.reply_by", language, due=due)
    else:
        answer = say("complaint.reply_within", language, hours=policy.first_response_hours)
    if resolution_due is not None:
        local = resolution_due.astimezone(facts.hours.zone)
        resolve = say(
            "complaint.resolve_by",
            language,
            weekday=words("weekdays", language)[local.weekday()],
            day=local.day,
            month=words("moment.months", language)[local.month - 1],
        )
    else:
        resolve = say("complaint.resolve_within", language, days=policy.resolution_days)
    return Reply(
        say(
            "complaint.logged",
            language,
            reference=reference,
            answer=answer,
            hours=policy.first_response_hours,
            resolve=resolve,
        )
    )


def complaint_next_step(
    facts: BusinessFacts, now: datetime, reference: str, language: str | None = None
) -> str:
    """What to do now when nobody can chat: how the team can reach the customer."""
    if facts.hours.is_open(now):
        situation = say("complaint.nobody_free", language)
    else:
        situation = say("complaint.team_back", language, opening=facts.next_opening(now, language))
    return say(
        "complaint.next_step",
        language,
        situation=situation,
        email=facts.contact.email,
        reference=reference,
    )
