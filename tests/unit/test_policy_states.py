"""Remembered dialogue states (bot/rasa_server/policy_states.py) give Rasa's own states and
the same predictions, trained on this project's domain, rules and stories."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from bot.rasa_server import policy_states
from bot.rasa_server.policy_states import RememberedStates, predicting

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project() -> tuple[Domain, list]:
    importer = TrainingDataImporter.load_from_config(
        str(PROJECT / "config.yml"),
        str(PROJECT / "domain.yml"),
        [str(PROJECT / "data" / "rules"), str(PROJECT / "data" / "stories")],
    )
    domain = importer.get_domain()
    trackers = TrainingDataGenerator(
        importer.get_stories(), domain, augmentation_factor=0, use_story_concatenation=False
    ).generate()
    return domain, trackers


@pytest.fixture(scope="module")
def policies(project, tmp_path_factory) -> tuple[MemoizationPolicy, RulePolicy]:
    domain, trackers = project
    storage = LocalModelStorage(tmp_path_factory.mktemp("models"))
    context = ExecutionContext(GraphSchema({}), "test")
    memo = MemoizationPolicy.create(
        {**MemoizationPolicy.get_default_config(), "max_history": 4},
        storage,
        Resource("memo"),
        context,
    )
    rules = RulePolicy.create(
        {**RulePolicy.get_default_config(), "core_fallback_threshold": 0.3},
        storage,
        Resource("rules"),
        context,
    )
    memo.train([t for t in trackers if not t.is_rule_tracker], domain)
    rules.train(trackers, domain)
    policy_states.install()
    return memo, rules


def _session_start() -> list[Event]:
    """A start of session: the first events of a conversation."""
    return [
        ActionExecuted(ACTION_SESSION_START_NAME),
        SessionStarted(),
        ActionExecuted(ACTION_LISTEN_NAME),
    ]


def _featurized_slots(domain: Domain) -> list:
    return [slot for slot in domain.slots if slot.influence_conversation]


def _say(domain: Domain, rng: random.Random) -> UserUttered:
    intent = rng.choice(domain.intents)
    return UserUttered(f"text {rng.random()}", {"name": intent, "confidence": 0.9})


def _predictions(policy, tracker, domain):
    """The policy's prediction with remembered states, and Rasa's own (unpatched)."""
    with predicting():
        remembered = policy.predict_action_probabilities(tracker, domain)
    own = type(policy).predict_action_probabilities.__wrapped__(policy, tracker, domain)
    return remembered, own


def test_the_states_are_rasas_as_a_conversation_grows(project):
    domain, _ = project
    rng = random.Random(3)
    remembered = RememberedStates()
    slots = _featurized_slots(domain)
    tracker = DialogueStateTracker.from_events("c1", _session_start(), domain.slots)
    for step in range(400):
        roll = rng.random()
        if roll < 0.35:
            tracker.update(_say(domain, rng))
        elif roll < 0.45 and slots:
            slot = rng.choice(slots)
            tracker.update(SlotSet(slot.name, rng.choice([None, "x", True, 1.0])))
        elif roll < 0.47:
            tracker.update(UserUtteranceReverted())
        elif roll < 0.475:
            tracker.update(Restarted())
        elif roll < 0.48:
            tracker.update(ActiveLoop(rng.choice(["a_form", None])))
        else:
            action = rng.choice([*domain.action_names_or_texts, ACTION_LISTEN_NAME])
            tracker.update(ActionExecuted(action, hide_rule_turn=rng.random() < 0.4))
        for ignore in (False, True):
            rule_only = {"slots": [slots[0].name] if slots else [], "loops": []}
            options = {"ignore_rule_only_turns": ignore, "rule_only_data": rule_only}
            own = tracker.past_states(domain, **options)
            assert remembered.states(tracker, domain, **options) == own, f"step {step}"
            assert remembered.states(tracker, domain, **options, last=5) == own[-5:]


def test_a_tracker_read_again_is_replayed_from_its_start(project):
    domain, _ = project
    rng = random.Random(5)
    remembered = RememberedStates()
    events = _session_start()
    for _ in range(30):
        events += [
            _say(domain, rng),
            ActionExecuted("utter_greet"),
            ActionExecuted(ACTION_LISTEN_NAME),
        ]
    tracker = DialogueStateTracker.from_events("c2", events, domain.slots)
    remembered.states(tracker, domain)
    # The same conversation as the database gives it back: other event objects, one changed.
    again = [Event.from_parameters(event.as_dict()) for event in events]
    again[-3] = _say(domain, rng)
    read = DialogueStateTracker.from_events("c2", again, domain.slots)

    assert remembered.states(read, domain) == read.past_states(domain)
    assert remembered.states(read, domain, last=3) == read.past_states(domain)[-3:]


def test_changing_what_is_returned_changes_nothing_remembered(project):
    domain, _ = project
    rng = random.Random(7)
    remembered = RememberedStates()
    tracker = DialogueStateTracker.from_events("c3", _session_start(), domain.slots)
    tracker.update(_say(domain, rng))
    tracker.update(ActionExecuted("utter_greet"))
    first = remembered.states(tracker, domain)
    for state in first:
        for sub_state in state.values():
            sub_state.clear()

    assert remembered.states(tracker, domain) == tracker.past_states(domain)


def test_predictions_are_rasas_in_long_conversations(project, policies):
    domain, _ = project
    memo, rules = policies
    rng = random.Random(11)
    compared = 0
    for conversation in range(4):
        tracker = DialogueStateTracker.from_events(
            f"long-{conversation}", _session_start(), domain.slots
        )
        for _turn in range(60):
            tracker.update(_say(domain, rng))
            for _ in range(4):  # the bot's actions until it listens
                best = None
                for policy in (rules, memo):
                    remembered, own = _predictions(policy, tracker, domain)
                    assert np.allclose(remembered.probabilities, own.probabilities)
                    assert remembered.hide_rule_turn == own.hide_rule_turn
                    assert remembered.events == own.events
                    compared += 1
                    if best is None and max(own.probabilities) > 0:
                        best = own
                if best is None:
                    action = ACTION_LISTEN_NAME
                    hidden = False
                else:
                    action = domain.action_names_or_texts[int(np.argmax(best.probabilities))]
                    hidden = best.hide_rule_turn
                tracker.update(ActionExecuted(action, hide_rule_turn=hidden))
                if action == ACTION_LISTEN_NAME:
                    break
            else:
                tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    assert compared > 400


def test_rules_get_one_state_more_than_their_longest_rule(policies):
    memo, rules = policies

    assert policy_states.states_needed(memo) == 4
    longest = max(len(rules._rule_key_to_state(key)) for key in rules.lookup["rules"])
    assert policy_states.states_needed(rules) == longest + 1
    assert isinstance(memo.featurizer, MaxHistoryTrackerFeaturizer)
