"""``FrustrationPolicy``: Rasa's view of ``bot.escalation``.

After every customer message it reads the session (sentiment stored with each message by
``SentimentAnalyzer``, intents, the shared embeddings, what the bot did) and decides: keep
going, offer a person, or hand over now (see ``bot.escalation.decision`` for the rules). An
escalation is recorded in the ``escalation`` slot (level, reason, priority, the rule that fired,
the turn), so it is stored in the conversation and logged with the conversation id.

* Hand over: predicts ``action_handoff``, ahead of the rules (its priority is above
  RulePolicy's).
* Offer, after a question: the bot still answers; the decision is recorded for the action that
  answers, which adds the offer below its answer (so "Did that answer your question?" keeps
  working).
* Offer, after "thanks", "no", "that didn't help" and the like: ``action_offer_person``
  replaces the usual reply (a cheerful "You're welcome!" to an upset customer helps nobody).

Nothing is learned from stories: "training" only stores the configuration.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.core.constants import RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction, confidence_scores_for
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversations.by_identity import ByIdentity
from bot.escalation import ESCALATION_SLOT, EscalationConfig, Level, Turn, assess, turns_from_events
from bot.escalation.history import recent_window
from bot.handoff.lifecycle import Status
from bot.handoff.slot import HANDOFF_SLOT, TAKING_MESSAGE, slot_status
from bot.privacy.log_ids import conversation_ref
from bot.rasa_server.policies.turns import message_to_answer

logger = logging.getLogger(__name__)

HANDOFF_ACTION = "action_handoff"
OFFER_ACTION = "action_offer_person"
#: After these, the usual reply does not fit an upset customer; the offer replaces it.
OFFER_REPLACES_REPLY_TO = ("greet", "goodbye", "thank", "affirm", "deny", "not_helpful")
#: While the customer waits, talks to an agent or writes a message, nothing is escalated.
HANDOFF_IN_PROGRESS = (Status.QUEUED.value, Status.ASSIGNED.value, TAKING_MESSAGE)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class FrustrationPolicy(Policy):
    """Offers a person, or hands over, when the conversation shows it is needed."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "priority": RULE_POLICY_PRIORITY + 1,
            "offer_replaces_reply_to": list(OFFER_REPLACES_REPLY_TO),
            **EscalationConfig().as_dict(),
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.escalation = EscalationConfig.from_mapping(config)
        self.replace_after = frozenset(config.get("offer_replaces_reply_to") or ())

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        with self._model_storage.write_to(self._resource) as path:
            (path / "escalation.json").write_text(json.dumps(self.escalation.as_dict()))
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        latest_action = tracker.latest_action_name
        if latest_action in (HANDOFF_ACTION, OFFER_ACTION):
            return self._predict(domain, ACTION_LISTEN_NAME)
        if message_to_answer(tracker) is None:
            return self._prediction(self._default_predictions(domain))
        if slot_status(tracker.get_slot(HANDOFF_SLOT)) in HANDOFF_IN_PROGRESS:
            return self._prediction(self._default_predictions(domain))  # HandoffPolicy's turn
        turns = _recent_turns(tracker)
        decision = assess(turns, self.escalation)
        if not decision.escalates:
            return self._prediction(self._default_predictions(domain))
        logger.info(
            "conversation %s: %s (%s priority, rule %s): %s",
            conversation_ref(tracker.sender_id),
            decision.level.value,
            decision.priority.value,
            decision.trigger,
            decision.reason,
        )
        record = [SlotSet(ESCALATION_SLOT, decision.as_record(turns[-1].number))]
        if decision.level is Level.HANDOVER:
            return self._predict(domain, HANDOFF_ACTION, record)
        if turns[-1].intent in self.replace_after:
            return self._predict(domain, OFFER_ACTION, record)
        # The usual action answers and adds the offer: record it whichever policy wins.
        return self._prediction(self._default_predictions(domain), events=record)

    def _predict(
        self, domain: Domain, action: str, events: list[SlotSet] | None = None
    ) -> PolicyPrediction:
        return self._prediction(confidence_scores_for(action, 1.0, domain), optional_events=events)


def _recent_turns(tracker: DialogueStateTracker) -> list[Turn]:
    """The session's latest customer turns (``recent_turns``), converting only their events to
    the JSON form: converting a long tracker's every event would cost each turn."""
    events = list(tracker.events)
    start, earlier = recent_window(events, lambda event: event.type_name)
    return turns_from_events([_as_dict(e) for e in events[start:]], earlier_turns=earlier)


#: Each event of a kept tracker is converted once (``bot.conversations.by_identity``; the
#: latest turns are looked back on at every message).
_as_dict: ByIdentity[Event, dict[str, Any]] = ByIdentity(lambda event: event.as_dict(), most=8192)
