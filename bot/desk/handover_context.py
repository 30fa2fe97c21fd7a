"""Why the customer came, for the agent who takes over: read from the conversation's session.

``handover_context`` turns a conversation's tracker events into what a queue item shows before
anyone opens it:

* ``last_message``: the customer's latest message (as they saw it sent) and when;
* ``contact``: an email address or phone number the customer wrote, if any;
* ``language``: the language of the customer's latest message clear enough to tell
  (``bot.language``), else the one the website's chat widget reported; ``page``: the page the
  widget reported with the latest message (its address kept only when it is http(s));
* ``summary``: an extractive summary. ``customer_said``: up to ``KEY_MESSAGES`` of the
  customer's own messages that say most (questions and problems, not "hi", "yes", a clicked
  button or a file sent on its own), oldest first; ``bot_tried``: the articles it answered
  with and how often it did not understand; ``failed``: what did not work (fallbacks, "that
  didn't help" after an article, the same question asked again); ``sentiment``: the trend of
  the customer's messages (``calm``, ``upset``, ``getting more upset``, ``calmer``, or
  ``unknown``) with the first and latest negativity; ``text``: all of it in one paragraph.

Nothing here is generated: every phrase the customer wrote is quoted from them, and the rest is
counted from what the bot recorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.conversations.events import (
    ANSWER_SLOT,
    CONVERSATIONAL_INTENTS,
    CustomerMessage,
    Event,
    current_session,
    customer_message,
    slot,
    written_in,
)
from bot.conversations.repeats import asks_again
from bot.escalation.history import Turn, turns_from_events
from bot.handoff.contact import find_contact

#: How many of the customer's messages the summary quotes.
KEY_MESSAGES = 3
#: The longest quote (the rest is in the transcript).
QUOTE_CHARACTERS = 200
#: A negativity change (0-1) between the first and the latest messages that counts as a trend.
TREND = 0.3
#: Negativity at or above which a message counts as upset.
UPSET = 0.8
_WORD = re.compile(r"\w+")
#: Intents that say nothing of why the customer came (besides the conversational ones).
_NOT_WHY = CONVERSATIONAL_INTENTS | {"cancel_handoff", "leave_message", "ask_capabilities"}


def handover_context(events: Sequence[Event]) -> dict[str, Any]:
    """The context of the conversation's current session (see the module docstring)."""
    session = [dict(e) for e in current_session(events)]
    messages = [m for m in (customer_message(e) for e in session) if m is not None]
    typed = [m for m in messages if not m.clicked and not m.only_a_file]
    latest = messages[-1] if messages else None
    metadata = _latest_metadata(messages)
    return {
        "last_message": {"text": latest.shown, "at": latest.at.isoformat()} if latest else None,
        "contact": next((c for c in (find_contact(m.text) for m in reversed(typed)) if c), None),
        "language": written_in(typed) or _short(metadata.get("language"), 16),
        "page": _page(metadata),
        "summary": summarise(session, typed),
    }


def summarise(session: Sequence[Event], typed: Sequence[CustomerMessage]) -> dict[str, Any]:
    """The extractive summary of one session (``typed``: the customer's typed messages)."""
    turns = turns_from_events(session)
    answers = _answers(session)
    articles = list(dict.fromkeys(a for a in answers if a))
    said = [_quote(m.shown) for m in _key_messages(typed)]
    tried = [f"answered with {', '.join(articles)}"] if articles else []
    fallbacks = sum(t.fell_back for t in turns)
    if fallbacks:
        tried.append(f"did not understand {fallbacks} message{'s' if fallbacks > 1 else ''}")
    failed = _failures(turns, answers, typed, fallbacks)
    sentiment = _sentiment(turns)
    parts = []
    if said:
        parts.append("Customer: " + " / ".join(f"“{s}”" for s in said) + ".")
    parts.append("Bot: " + ("; ".join(tried) if tried else "nothing answered") + ".")
    if failed:
        parts.append("Failed: " + "; ".join(failed) + ".")
    if sentiment["trend"] != "unknown":
        parts.append(f"Sentiment: {sentiment['trend']}.")
    return {
        "customer_said": said,
        "bot_tried": tried,
        "failed": failed,
        "sentiment": sentiment,
        "text": " ".join(parts),
    }


def _key_messages(typed: Sequence[CustomerMessage]) -> list[CustomerMessage]:
    """Up to ``KEY_MESSAGES`` messages that say most, in the order they were written."""
    candidates = [m for m in typed if m.intent not in _NOT_WHY and _words(m.text) >= 3]
    if not candidates:
        candidates = [m for m in typed if _words(m.text) >= 2] or list(typed)

    def weight(index: int, message: CustomerMessage) -> float:
        score = min(_words(message.text), 25) / 25  # says something, without favouring essays
        score += 0.5 if "?" in message.text else 0.0
        score += 0.5 * (message.negative or 0.0)  # the problem, as they feel it
        score += 0.3 if index == 0 else 0.0  # the opening question is usually why they came
        score += 0.3 if index == len(candidates) - 1 else 0.0  # and the latest, where they are
        return score

    ranked = sorted(enumerate(candidates), key=lambda pair: -weight(*pair))
    chosen: list[tuple[int, CustomerMessage]] = []
    for index, message in ranked:
        if any(_asked_again(other, message) for _i, other in chosen):
            continue  # the same question again adds nothing
        chosen.append((index, message))
        if len(chosen) == KEY_MESSAGES:
            break
    return [message for _index, message in sorted(chosen, key=lambda pair: pair[0])]


def _asked_again(first: CustomerMessage, second: CustomerMessage) -> bool:
    earlier, later = sorted((first, second), key=lambda m: m.timestamp)
    return asks_again(earlier, later)


def _answers(session: Sequence[Event]) -> list[str | None]:
    """For each customer turn, the knowledge-base article the bot answered it with (if any)."""
    answers: list[str | None] = []
    for event in session:
        if customer_message(event) is not None:
            answers.append(None)
            continue
        answer = slot(event, ANSWER_SLOT)
        if answers and answer is not None and answer[1]:
            answers[-1] = str(answer[1])
    return answers


def _failures(
    turns: Sequence[Turn],
    answers: Sequence[str | None],
    typed: Sequence[CustomerMessage],
    fallbacks: int,
) -> list[str]:
    failed = [f"{fallbacks} fallback{'s' if fallbacks > 1 else ''}"] if fallbacks else []
    for index, turn in enumerate(turns[1:], start=1):
        if turn.intent == "not_helpful" or (turn.intent == "deny" and turns[index - 1].answered):
            article = answers[index - 1] if index - 1 < len(answers) else None
            failed.append(f'"that didn\'t help" after {article or "an answer"}')
    repeats = sum(
        any(asks_again(earlier, message) for earlier in typed[:index])
        for index, message in enumerate(typed)
    )
    if repeats:
        failed.append(f"asked the same question again{'' if repeats == 1 else f' ({repeats}x)'}")
    return failed


def _sentiment(turns: Sequence[Turn]) -> dict[str, Any]:
    rated = [t.negative for t in turns if t.negative is not None]
    if not rated:
        return {"trend": "unknown", "first_negative": None, "latest_negative": None}
    first, latest = rated[0], rated[-1]
    if latest - first >= TREND and latest >= UPSET:
        trend = "getting more upset"
    elif first - latest >= TREND:
        trend = "calmer"
    elif sum(n >= UPSET for n in rated[-3:]) >= 2 or latest >= UPSET:
        trend = "upset"
    else:
        trend = "calm"
    return {"trend": trend, "first_negative": round(first, 2), "latest_negative": round(latest, 2)}


def _latest_metadata(messages: Sequence[CustomerMessage]) -> dict[str, Any]:
    for message in reversed(messages):
        if message.metadata.get("page_url") or message.metadata.get("language"):
            return message.metadata
    return {}


def _page(metadata: dict[str, Any]) -> dict[str, str] | None:
    url = metadata.get("page_url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    return {"url": url[:2000], "title": _short(metadata.get("page_title"), 200) or ""}


def _short(value: object, most: int) -> str | None:
    return value.strip()[:most] or None if isinstance(value, str) else None


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARACTERS else text[: QUOTE_CHARACTERS - 1] + "…"


def _words(text: str) -> int:
    return len(_WORD.findall(text))
