"""The dialogue states Rasa's Memoization and Rule policies predict from, without rebuilding a
long conversation's every state for every prediction.

To predict the next action, Rasa 3.6's Memoization and Rule policies turn the tracker into its
list of past states (``Domain.states_for_tracker_history``): the whole session is replayed
event by event and every state rebuilt, for each prediction (two or three per message). The
Rule policy then matches its rules against every state and deep-copies them all for a debug
log. At turns 90-490 of one conversation that was a quarter of the Rasa server's time
(``docs/performance.md``), the main reason a long conversation answered slower.

``install()`` changes two things, only while the server predicts (training is untouched):

* **States are remembered per conversation** (``RememberedStates``): the same fold as Rasa's,
  continued over the events added since the last prediction. It is used only when the
  conversation's applied events still begin with those it has seen (the same event objects, as
  the kept trackers of ``tracker_store.CachingSQLTrackerStore`` give); a reverted or restarted
  conversation, or one read anew from the database, is replayed from its start, as Rasa does.
* **The policies get only the states they read**: Memoization looks up its last
  ``max_history`` states, and a rule matches at most as many states as it has (any earlier
  state satisfies it, ``RulePolicy._is_rule_applicable``): the Rule policy gets one more than its
  longest rule, so a conversation's first state is still told apart from a later one.

The predictions are the same as Rasa's (``tests/unit/test_policy_states.py`` compares them).
"""

from __future__ import annotations

import contextvars
import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.constants import ACTION_UNLIKELY_INTENT_NAME, PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.tracker_replay import simply_added
from bot.wrapping import wrap_once

#: Conversations whose states are remembered (the least recently used are dropped), as many as
#: the tracker store keeps.
REMEMBERED_CONVERSATIONS = 500

_predicting: contextvars.ContextVar[bool] = contextvars.ContextVar("predicting", default=False)


@dataclass
class _Fold:
    """``Domain.states_for_tracker_history`` part way: the states of the events seen."""

    domain: Domain
    options: tuple[bool, bool, str]
    prior: DialogueStateTracker  # the tracker after the events seen
    seen: int = 0  # how many of the conversation's events (applied or not)
    last_seen: Event | None = None
    states: list[State] = field(default_factory=list)
    last_ml_action: Any = None
    turn_was_hidden: bool = False
    continues: bool = True  # False: rebuilt for every prediction

    def visit(self, hide_rule_turn: bool, rule_only_data: dict[str, Any] | None) -> State | None:
        """The loop body of ``Domain.states_for_tracker_history`` for the tracker before an
        action (or at the end); None when the turn is hidden from ML policies."""
        domain, tracker = self.domain, self.prior
        omit_unset_slots, ignore_rule_only_turns, _ = self.options
        if ignore_rule_only_turns:
            if not self.turn_was_hidden:
                self.last_ml_action = domain._get_prev_action_sub_state(tracker)
            if (
                not tracker.followup_action
                and tracker.latest_action_name != tracker.active_loop_name
            ):
                self.turn_was_hidden = hide_rule_turn
            if self.turn_was_hidden:
                return None
        state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
        if ignore_rule_only_turns:
            domain._remove_rule_only_features(state, rule_only_data)
            if self.states:
                domain._substitute_rule_only_user_input(state, self.states[-1])
            if self.last_ml_action:
                state[PREVIOUS_ACTION] = self.last_ml_action
        return domain._clean_state(state)

    def take(self, applied: Iterable[Event], rule_only_data: dict[str, Any] | None) -> None:
        """Take in applied events after those seen."""
        for event in applied:
            if isinstance(event, ActionExecuted):
                state = self.visit(event.hide_rule_turn, rule_only_data)
                if state is not None:
                    self.states.append(state)
            self.prior.update(event)

    def final(self, rule_only_data: dict[str, Any] | None) -> State | None:
        """The state after every event seen (not kept: the next event may be anything)."""
        hidden, last_ml = self.turn_was_hidden, self.last_ml_action
        state = self.visit(False, rule_only_data)
        self.turn_was_hidden, self.last_ml_action = hidden, last_ml
        return state


class RememberedStates:
    """Each recent conversation's states, extended by the events added since."""

    def __init__(self, conversations: int = REMEMBERED_CONVERSATIONS) -> None:
        # One fold per conversation and set of options (Memoization and Rule ask differently).
        self._folds: OrderedDict[tuple[str, tuple[bool, bool, str]], _Fold] = OrderedDict()
        self._most = 2 * conversations

    def states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        *,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
        last: int | None = None,
    ) -> list[State]:
        """``tracker.past_states(...)`` (its ``last`` states only, when given), as new
        dictionaries the caller may change."""
        options = (omit_unset_slots, ignore_rule_only_turns, repr(rule_only_data))
        key = (tracker.sender_id, options)
        fold = self._folds.pop(key, None)
        new = _added(fold, tracker, domain) if fold is not None else None
        if fold is None or new is None:
            fold = _Fold(domain, options, tracker.init_copy())
            new = tracker.applied_events()
            # With a loop, an action of the loop may undo earlier ones: always rebuilt.
            fold.continues = not any(isinstance(event, ActiveLoop) for event in tracker.events)
        fold.take(new, rule_only_data)
        fold.seen = len(tracker.events)
        fold.last_seen = tracker.events[-1] if tracker.events else None
        self._folds[key] = fold
        while len(self._folds) > self._most:
            self._folds.popitem(last=False)
        final = fold.final(rule_only_data)
        states = list(fold.states[-last:] if last else fold.states)
        if final is not None:
            states.append(final)
        return _copies(states[-last:] if last else states)


def _added(fold: _Fold, tracker: DialogueStateTracker, domain: Domain) -> list[Event] | None:
    """The conversation's events after those the fold has seen, when they are simply added
    to its applied events; None when its states must be rebuilt."""
    if not fold.continues or fold.domain is not domain:
        return None
    return simply_added(tracker, fold.seen, fold.last_seen)


def _copies(states: list[State]) -> list[State]:
    """New state and sub-state dictionaries (the featurizer deletes keys from them), keeping
    which states share a sub-state (Rasa's rule-only substitution shares the user's)."""
    made: dict[int, dict[str, Any]] = {}

    def copy(sub_state: Any) -> Any:
        if not isinstance(sub_state, dict):
            return sub_state
        if id(sub_state) not in made:
            made[id(sub_state)] = dict(sub_state)
        return made[id(sub_state)]

    return [{key: copy(value) for key, value in state.items()} for state in states]


class _WithStates:
    """The tracker as a policy's featurizer sees it, its past states remembered."""

    def __init__(self, tracker: DialogueStateTracker, past_states: Callable[..., list[State]]):
        self._tracker = tracker
        self.past_states = past_states

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tracker, name)


REMEMBERED = RememberedStates()


def states_needed(policy: MemoizationPolicy) -> int | None:
    """How many of the latest states the policy's prediction reads (None: all)."""
    if isinstance(policy, RulePolicy):
        return _longest_rule(policy) + 1
    max_history = policy.featurizer.max_history
    return None if max_history is None else max_history


def _longest_rule(policy: RulePolicy) -> int:
    longest = getattr(policy, "_supportbot_longest_rule", None)
    if longest is None:
        keys = list(policy.lookup.get(RULES, {})) + list(
            policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})
        )
        longest = max((len(policy._rule_key_to_state(key)) for key in keys), default=0)
        policy._supportbot_longest_rule = longest
    return int(longest)


def _remembering(original: Callable[..., list[State]]) -> Callable[..., list[State]]:
    @functools.wraps(original)
    def prediction_states(
        self: MemoizationPolicy,
        tracker: DialogueStateTracker,
        domain: Domain,
        *args: Any,
        **kwargs: Any,
    ) -> list[State]:
        if not _predicting.get():
            return original(self, tracker, domain, *args, **kwargs)
        last = states_needed(self)

        def past_states(_domain: Domain, **options: Any) -> list[State]:
            recent = REMEMBERED.states(tracker, domain, **options, last=last)
            if last and any(_unlikely_intent(state) for state in recent):
                # Those are removed before slicing: the policy may need more.
                return REMEMBERED.states(tracker, domain, **options)
            return recent

        return original(self, _WithStates(tracker, past_states), domain, *args, **kwargs)

    return prediction_states


def _unlikely_intent(state: State) -> bool:
    return state.get(PREVIOUS_ACTION, {}).get("action_name") == ACTION_UNLIKELY_INTENT_NAME


def _predicting_with(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def predict_action_probabilities(self: Any, *args: Any, **kwargs: Any) -> Any:
        with predicting():
            return original(self, *args, **kwargs)

    return predict_action_probabilities


@contextmanager
def predicting() -> Iterator[None]:
    token = _predicting.set(True)
    try:
        yield
    finally:
        _predicting.reset(token)


def install() -> None:
    """Remembered states for Rasa's Memoization and Rule policies when they predict
    (idempotent)."""
    if not wrap_once(MemoizationPolicy, "_prediction_states", _remembering):
        return
    for policy in (MemoizationPolicy, RulePolicy):
        policy.predict_action_probabilities = _predicting_with(policy.predict_action_probabilities)
