"""The satisfaction question (CSAT) at the end of a conversation, and its record.

The question is one short message with five buttons (1 poor … 5 great). It is asked once per
conversation (a Rasa session) when the conversation comes to an end:

* the bot's answer helped ("yes"), or the customer says thanks or goodbye;
* an agent closes the chat or hands it back to the bot (the support desk asks).

It never blocks: the customer can ignore it and keep chatting. A score may be followed by a
comment (the next message, when it is not a question or a request for a person).

Everything is recorded in the conversation itself, as the ``csat`` slot (the tracker store is
the record of every conversation): asked (when, by whom), answered (score, attribution),
commented (the comment, and the follow-up opened for the team if any).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.catalogue import person_button, say, spoken
from bot.chat import Button, Reply, intent_payload
from bot.conversations.events import current_session, customer_message, slot

CSAT_SLOT = "csat"
RATE_INTENT = "rate"
SCORE_ENTITY = "csat_score"
RATE_ACTION = "action_rate_conversation"
COMMENT_ACTION = "action_take_survey_comment"

#: The scale: 1 (poor) to 5 (great); 4 and 5 count as satisfied.
SCORES = (1, 2, 3, 4, 5)
SATISFIED = 4
#: A score this low opens a follow-up for the team.
LOW = 2

ASKED = "asked"
ANSWERED = "answered"
COMMENTED = "commented"

QUESTION = say("survey.question")

#: Customer intents that say nothing about the shop (a conversation of only these is not
#: worth a survey: "hi", "thanks", "bye").
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny", RATE_INTENT})

_TYPED_SCORE = re.compile(r"^\s*([1-5])\s*(?:/\s*5|stars?|out of 5|!|\.)?\s*$", re.IGNORECASE)


def survey_reply(language: str | None = None) -> Reply:
    """The question, with one button per score (in ``language`` where the bot has it)."""
    labels = {score: str(score) for score in SCORES}
    labels.update({1: say("survey.poor", language), 5: say("survey.great", language)})
    return Reply(
        say("survey.question", language),
        tuple(
            Button(labels[score], intent_payload(RATE_INTENT, **{SCORE_ENTITY: str(score)}))
            for score in SCORES
        ),
    )


def thanks_reply(score: int, *, follow_up: bool, language: str | None = None) -> Reply:
    """What the customer hears after a score (and the invitation to a comment), in
    ``language`` where the bot has it."""
    if score >= SATISFIED:
        return Reply(say("survey.thanks.satisfied", language))
    if follow_up:
        language = spoken("survey.thanks.passed_on", language)
        return Reply(say("survey.thanks.passed_on", language), (person_button(language),))
    return Reply(say("survey.thanks.low", language))


def comment_reply(*, follow_up: bool, language: str | None = None) -> Reply:
    """After the comment that followed a score, in ``language`` where the bot has it."""
    if follow_up:
        language = spoken("survey.comment.passed_on", language)
        return Reply(say("survey.comment.passed_on", language), (person_button(language),))
    return Reply(say("survey.comment.thanks", language))


def already_rated_reply(score: int, language: str | None = None) -> Reply:
    """A second score for the same question: the first one stands."""
    return Reply(say("survey.already_rated", language, score=score if score in SCORES else "?"))


@dataclass(frozen=True)
class SurveyState:
    """Where the survey of the current conversation stands (None values: not asked)."""

    status: str | None
    record: dict[str, Any]


def survey_state(events: Sequence[dict[str, Any]]) -> SurveyState:
    """The survey's latest record in the current conversation."""
    for event in reversed(current_session(events)):
        found = slot(event, CSAT_SLOT)
        if found is not None:
            value = found[1]
            if isinstance(value, dict) and isinstance(value.get("status"), str):
                return SurveyState(str(value["status"]), value)
            return SurveyState(None, {})
    return SurveyState(None, {})


def worth_asking(events: Sequence[dict[str, Any]]) -> bool:
    """Ask now? Not twice in a row: once per conversation, again only if a person from the
    team has chatted with the customer since; and not after mere small talk."""
    asked = False
    substance = False
    for event in current_session(events):
        csat, handoff = slot(event, CSAT_SLOT), slot(event, "handoff")
        message = customer_message(event)
        if csat is not None and csat[1]:
            asked = True
        elif handoff is not None and asked:
            value = handoff[1]
            if isinstance(value, dict) and value.get("status") == "assigned":
                asked = False  # an agent chatted since: their part is worth its own answer
        elif message is not None:
            substance = substance or bool(message.intent and message.intent not in SMALL_TALK)
    return substance and not asked


def asked_record(*, by: str, at: float) -> dict[str, Any]:
    """The ``csat`` slot when the question is asked (``by``: "bot" or "agent:<name>")."""
    return {"status": ASKED, "asked_at": at, "asked_by": by}


def typed_score(text: str) -> int | None:
    """A score typed instead of clicked ("4", "5 stars", "3/5"), else None."""
    found = _TYPED_SCORE.match(text or "")
    return int(found.group(1)) if found else None


def score_value(value: object) -> int | None:
    """A score from a button's entity value (None unless 1–5)."""
    try:
        score = int(str(value).strip())
    except ValueError:
        return None
    return score if score in SCORES else None
