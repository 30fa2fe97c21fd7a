"""``SurveyPolicy``: the customer's messages right after the satisfaction question.

* A score (a button of the question, or "I'd rate it 4"): record it, ahead of the escalation
  policy (a customer who was upset earlier is not handed over for clicking "2").
* The question is open and the customer types a score ("4", "5 stars"): record it
  (``action_rate_conversation``), even though the NLU reads a lone digit as something else.
* The customer has just given a score: their next message is its comment
  (``action_take_survey_comment``), unless it is a button, a question the NLU is sure of,
  a request for a person, a complaint (the intent, or a threat, chargeback or insisted demand
  in its wording: the escalation policy then opens a ticket), or thanks/goodbye — those are
  answered as usual, so the survey never stands in the customer's way.

Below ``HandoffPolicy`` (an agent's conversation is theirs), above the rules and the
escalation policy (an unhappy comment is recorded as one, and answered with a way to a person).
"""

from __future__ import annotations

from typing import Any

from rasa.core.constants import RULE_POLICY_PRIORITY
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversations.events import starts_session
from bot.escalation import complaint_sign
from bot.handoff.slot import HANDOFF_SLOT, slot_status
from bot.rasa_server.policies.routing import RoutingPolicy
from bot.rasa_server.policies.turns import message_to_answer
from bot.satisfaction.survey import (
    ANSWERED,
    ASKED,
    COMMENT_ACTION,
    CSAT_SLOT,
    RATE_ACTION,
    RATE_INTENT,
    typed_score,
)

#: Intents answered as usual even right after a score.
NOT_A_COMMENT = frozenset(
    {
        "request_human",
        "leave_message",
        "cancel_handoff",
        "complaint",
        "greet",
        "thank",
        "goodbye",
        "choose_option",
    }
)
#: A shop question the NLU is this sure of is answered, not taken as a comment.
SURE_QUESTION = 0.8
#: Handoff states in which the survey stays out of the way.
HANDOFF_BUSY = frozenset({"queued", "assigned", "taking_message"})


def next_action(
    survey: str | None,
    previous_action: str | None,
    *,
    text: str,
    intent: str | None,
    confidence: float,
) -> str | None:
    """What follows a customer message, given the survey's status (None: not this policy's)."""
    if intent == RATE_INTENT:  # a score is recorded whatever the escalation policy thinks
        return RATE_ACTION
    if survey == ASKED and typed_score(text) is not None:
        return RATE_ACTION
    if survey != ANSWERED or previous_action != RATE_ACTION:
        return None
    if text.startswith("/") or intent in NOT_A_COMMENT or complaint_sign(text) is not None:
        return None
    if intent and intent.startswith("ask_") and confidence >= SURE_QUESTION:
        return None
    return COMMENT_ACTION


def survey_status(tracker: DialogueStateTracker) -> str | None:
    """The ``csat`` slot's status as set in this conversation (slots outlive sessions)."""
    for event in reversed(tracker.events):
        if starts_session({"event": event.type_name}):
            return None
        if isinstance(event, SlotSet) and event.key == CSAT_SLOT:
            value = event.value
            return str(value.get("status")) if isinstance(value, dict) else None
    return None


def action_before_message(tracker: DialogueStateTracker) -> str | None:
    """The bot's last action (not listening) before the customer's latest message."""
    seen_message = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            seen_message = True
        elif (
            seen_message
            and isinstance(event, ActionExecuted)
            and event.action_name != ACTION_LISTEN_NAME
        ):
            return event.action_name
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class SurveyPolicy(RoutingPolicy):
    """Reads a typed score, and the comment after a score."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": RULE_POLICY_PRIORITY + 2}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        if tracker.latest_action_name in (RATE_ACTION, COMMENT_ACTION):
            return self._predict(domain, ACTION_LISTEN_NAME)
        message = message_to_answer(tracker)
        if message is None or slot_status(tracker.get_slot(HANDOFF_SLOT)) in HANDOFF_BUSY:
            return self._abstain(domain)
        action = next_action(
            survey_status(tracker),
            action_before_message(tracker),
            text=message.text or "",
            intent=message.intent.get("name"),
            confidence=float(message.intent.get("confidence") or 0.0),
        )
        if action is None:
            return self._abstain(domain)
        return self._predict(domain, action)
