"""``HandoffPolicy``: who answers the customer while a handoff is open.

It reads the ``handoff`` slot (``bot.handoff.slot``; written by the actions and, for what
agents do, by the support desk through Rasa's API) and, after each customer message:

* with an agent: predicts ``action_listen`` — the bot stays silent, the message stays in the
  conversation and the agent sees it;
* waiting in the queue: ``action_handoff_waiting`` (the message is kept for the agent; the
  customer hears where they stand), or ``action_cancel_handoff`` / ``action_leave_message``
  when they chose to go back to the bot or to leave a message;
* writing a message for the team: ``action_take_message`` (or cancel);
* "leave a message" and "back to the bot" buttons work from anywhere.

Its priority is above every other policy's, so neither the rules nor the escalation policy
talk over an agent. Nothing is learned from stories.
"""

from __future__ import annotations

from typing import Any

from rasa.core.constants import RULE_POLICY_PRIORITY
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff.lifecycle import Status
from bot.handoff.slot import HANDOFF_SLOT, TAKING_MESSAGE, slot_status
from bot.rasa_server.policies.routing import RoutingPolicy
from bot.rasa_server.policies.turns import message_to_answer

WAITING_ACTION = "action_handoff_waiting"
CANCEL_ACTION = "action_cancel_handoff"
LEAVE_MESSAGE_ACTION = "action_leave_message"
TAKE_MESSAGE_ACTION = "action_take_message"
OWN_ACTIONS = (WAITING_ACTION, CANCEL_ACTION, LEAVE_MESSAGE_ACTION, TAKE_MESSAGE_ACTION)
CANCEL_INTENT = "cancel_handoff"
LEAVE_MESSAGE_INTENT = "leave_message"


def next_action(status: str | None, intent: str | None) -> str | None:
    """What follows a customer message, given the handoff status (None: not this policy's)."""
    if status == Status.ASSIGNED.value:
        return ACTION_LISTEN_NAME
    if intent == CANCEL_INTENT:
        return CANCEL_ACTION
    if status == TAKING_MESSAGE:
        return TAKE_MESSAGE_ACTION
    if intent == LEAVE_MESSAGE_INTENT:
        return LEAVE_MESSAGE_ACTION
    if status == Status.QUEUED.value:
        return WAITING_ACTION
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class HandoffPolicy(RoutingPolicy):
    """Keeps the bot out of the way while the team has the conversation."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": RULE_POLICY_PRIORITY + 3}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        if tracker.latest_action_name in OWN_ACTIONS:
            return self._predict(domain, ACTION_LISTEN_NAME)
        message = message_to_answer(tracker)
        if message is None:
            return self._abstain(domain)
        action = next_action(
            slot_status(tracker.get_slot(HANDOFF_SLOT)), message.intent.get("name")
        )
        if action is None:
            return self._abstain(domain)
        return self._predict(domain, action)
