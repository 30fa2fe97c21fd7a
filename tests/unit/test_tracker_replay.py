"""A tracker's remembered applied events and its copies without replay are Rasa's own
(bot/rasa_server/tracker_replay.py), event after event of conversations with every kind of
event that changes them."""

from __future__ import annotations

import random

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.rasa_server import tracker_replay

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [ask, greet]
slots:
  handoff:
    type: any
    mappings: [{type: custom}]
  topic:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
  count:
    type: float
    mappings: [{type: custom}]
actions: [action_answer, action_offer]
forms:
  contact_form:
    required_slots: []
"""
)


def _event(rng: random.Random, number: int) -> Event:
    choices = [
        lambda: UserUttered(f"message {number}", {"name": "ask", "confidence": 0.9}),
        lambda: ActionExecuted("action_listen"),
        lambda: ActionExecuted(rng.choice(["action_answer", "action_offer", "contact_form"])),
        lambda: BotUttered(f"reply {number}", {"buttons": []}),
        lambda: SlotSet("topic", f"topic {number}"),
        lambda: SlotSet("handoff", {"status": rng.choice(["waiting", "assigned"])}),
        lambda: SlotSet("count", float(number)),
    ]
    rare = [
        SessionStarted,
        Restarted,
        ActionReverted,
        UserUtteranceReverted,
        ConversationPaused,
        ConversationResumed,
        AllSlotsReset,
        lambda: FollowupAction("action_offer"),
        lambda: ActiveLoop(rng.choice(["contact_form", None])),
        lambda: LoopInterrupted(rng.choice([True, False])),
    ]
    return rng.choice(rare)() if rng.random() < 0.08 else rng.choice(choices)()


def _state(tracker: DialogueStateTracker) -> dict:
    """The tracker's state as it is now (not as it may change in place)."""
    return {
        "state": repr(tracker.current_state(EventVerbosity.ALL)),
        "paused": tracker._paused,
        "followup": tracker.followup_action,
        "latest_action": repr(tracker.latest_action),
        "latest_bot": tracker.latest_bot_utterance,
        "loop": repr(tracker.active_loop),
        "slots": repr({k: (s.value, s._has_been_set) for k, s in tracker.slots.items()}),
        "events": [id(e) for e in tracker.events],
    }


def test_applied_events_and_copies_are_rasas_own_event_after_event():
    tracker_replay.install()
    replayed_copy = DialogueStateTracker.copy.__wrapped__
    all_applied = DialogueStateTracker.applied_events.__wrapped__
    for seed in range(6):
        rng = random.Random(seed)
        tracker = DialogueStateTracker.from_events("c1", [], slots=DOMAIN.slots)
        for number in range(300):
            tracker.update(_event(rng, number), DOMAIN)
            applied = tracker.applied_events()
            assert applied == all_applied(tracker)
            assert [id(e) for e in applied] == [id(e) for e in all_applied(tracker)]
            if number % 7 == 0:
                assert _state(tracker.copy()) == _state(replayed_copy(tracker))


def test_a_copy_changes_without_changing_the_tracker():
    tracker_replay.install()
    tracker = DialogueStateTracker.from_events(
        "c1",
        [
            ActionExecuted("action_listen"),
            UserUttered("hi", {"name": "greet"}),
            SlotSet("topic", "returns"),
            ActiveLoop("contact_form"),
            ActionExecuted("contact_form"),
        ],
        slots=DOMAIN.slots,
    )
    before = _state(tracker)

    duplicate = tracker.copy()
    duplicate.update(SlotSet("topic", "delivery"))
    duplicate.update(ActionExecuted("action_answer"))
    duplicate.update(LoopInterrupted(True))  # changes the loop in place
    duplicate.update(ConversationPaused())

    assert _state(tracker) == before
    assert tracker.get_slot("topic") == "returns"
    assert duplicate.get_slot("topic") == "delivery"
    assert len(duplicate.events) == len(tracker.events) + 4


def test_the_list_given_is_the_callers_own():
    tracker_replay.install()
    tracker = DialogueStateTracker.from_events(
        "c1", [ActionExecuted("action_listen"), UserUttered("hi")], slots=DOMAIN.slots
    )
    tracker.applied_events().clear()

    assert len(tracker.applied_events()) == 2
