"""``RoutingPolicy``: what our rule-like policies share (nothing is learned from stories).

A subclass decides from the tracker alone which action follows a customer message, or
abstains; it gives its own action full confidence, and listens after it.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction, confidence_scores_for
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates


class RoutingPolicy(Policy):
    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource

    def _predict(self, domain: Domain, action: str) -> PolicyPrediction:
        """``action`` next, for certain."""
        return self._prediction(confidence_scores_for(action, 1.0, domain))

    def _abstain(self, domain: Domain) -> PolicyPrediction:
        """Not this policy's message: the others decide."""
        return self._prediction(self._default_predictions(domain))
