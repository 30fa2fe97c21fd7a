"""The escalation policy on scripted conversations: does the right customer reach a person?

Starts the product (``supportbot run``), plays every scripted conversation of
``bench/data/escalation_*.yml`` over the REST channel and reads what was stored: each
message's sentiment and intent, what the bot did, and every escalation with its reason.

* **test** (``escalation_test.yml``, the reported figures): precision and recall of "should
  reach a person" (an offer or a hand-over), the share reached in time (by the conversation's
  ``by_turn``), recall of hand-overs where one is due, and the turns until the first
  escalation. The running bot uses the thresholds in config.yml.
* **sweep** (``escalation_tuning.yml`` only): the same conversations replayed through
  ``bot.escalation.assess`` with other thresholds, to choose config.yml's defaults.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import statistics
import urllib.request
import uuid
from typing import Any

import yaml

from bench.common import PROJECT, running_product, write_result
from bot.escalation import EscalationConfig, Level, Turn, assess, turns_from_events
from bot.escalation.decision import Decision
from bot.storage.tracker import ConversationStore

DATA = PROJECT / "bench" / "data"
LEVELS = [Level.KEEP, Level.OFFER, Level.HANDOVER]
SWEEP = {
    "negative_threshold": (0.5, 0.6, 0.7, 0.8),
    "offer_negative": (0.9, 0.95, 0.97, 0.99),
    "angry_negative": (0.8, 0.9),
    "offer_failures": (1, 2),
    "offer_negative_turns": (2, 3),
    "repeat_similarity": (0.7, 0.75, 0.8, 0.85),
}


@dataclasses.dataclass(frozen=True)
class Outcome:
    id: str
    kind: str
    expect: Level
    by_turn: int | None
    first_turn: int | None  # first escalation (offer or hand-over)
    handover_turn: int | None
    reason: str


def load(name: str) -> list[dict[str, Any]]:
    conversations: list[dict[str, Any]] = yaml.safe_load((DATA / name).read_text())
    for conversation in conversations:
        if not all(isinstance(text, str) for text in conversation["turns"]):
            raise ValueError(f"{name}: {conversation['id']}: quote turns YAML reads as non-text")
    return conversations


def say(url: str, sender: str, text: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        replies: list[dict[str, Any]] = json.loads(response.read())
    return replies


def play(
    conversations: list[dict[str, Any]], rasa_url: str, store: ConversationStore
) -> dict[str, list[Turn]]:
    """The stored turns of each conversation, played against the running bot."""
    played = {}
    for conversation in conversations:
        sender = f"bench-{conversation['id']}-{uuid.uuid4().hex[:6]}"
        for text in conversation["turns"]:
            say(rasa_url, sender, text)
        played[conversation["id"]] = turns_from_events(store.events(sender))
    return played


def outcome(conversation: dict[str, Any], decisions: list[Decision | None]) -> Outcome:
    first = next((i + 1 for i, d in enumerate(decisions) if d and d.escalates), None)
    handover = next(
        (i + 1 for i, d in enumerate(decisions) if d and d.level is Level.HANDOVER), None
    )
    return Outcome(
        id=conversation["id"],
        kind=conversation["kind"],
        expect=Level(conversation["expect"]),
        by_turn=conversation.get("by_turn"),
        first_turn=first,
        handover_turn=handover,
        reason=decisions[first - 1].reason if first else "",  # type: ignore[union-attr]
    )


def recorded(turns: list[Turn]) -> list[Decision | None]:
    return [Decision.from_record(t.escalation) for t in turns]


def replay(turns: list[Turn], config: EscalationConfig) -> list[Decision | None]:
    """What ``config`` would have decided at each turn (its own escalations fed back)."""
    decided: list[Turn] = []
    decisions: list[Decision | None] = []
    for turn in turns:
        latest = dataclasses.replace(turn, escalation=None, bot_actions=(), answered=False)
        decision = assess([*decided, latest], config)
        decisions.append(decision if decision.escalates else None)
        record = decision.as_record(turn.number) if decision.escalates else None
        decided.append(dataclasses.replace(turn, escalation=record))
    return decisions


def scores(outcomes: list[Outcome]) -> dict[str, Any]:
    due = [o for o in outcomes if o.expect is not Level.KEEP]
    escalated = [o for o in outcomes if o.first_turn is not None]
    hits = [o for o in due if o.first_turn is not None]
    in_time = [o for o in hits if o.by_turn is None or o.first_turn <= o.by_turn]  # type: ignore[operator]
    handovers_due = [o for o in outcomes if o.expect is Level.HANDOVER]
    handed_over = [
        o for o in handovers_due if o.handover_turn and o.handover_turn <= (o.by_turn or 99)
    ]
    precision = len(hits) / len(escalated) if escalated else 0.0
    recall = len(hits) / len(due) if due else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    late = [o.first_turn - o.by_turn for o in hits if o.by_turn and o.first_turn > o.by_turn]  # type: ignore[operator]
    return {
        "conversations": len(outcomes),
        "should_reach_a_person": len(due),
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "recall_in_time": round(len(in_time) / len(due), 3) if due else 0.0,
        "handover_recall": round(len(handed_over) / len(handovers_due), 3)
        if handovers_due
        else 0.0,
        "turns_until_escalation_mean": round(statistics.fmean(o.first_turn for o in hits), 2)  # type: ignore[misc]
        if hits
        else None,
        "turns_late": late,
        "late_ids": [o.id for o in hits if o.by_turn and o.first_turn > o.by_turn],  # type: ignore[operator]
        "false_alarms": [o.id for o in escalated if o.expect is Level.KEEP],
        "missed": [o.id for o in due if o.first_turn is None],
    }


def by_kind(outcomes: list[Outcome]) -> dict[str, dict[str, Any]]:
    kinds = sorted({o.kind for o in outcomes})
    return {
        kind: {
            "conversations": sum(o.kind == kind for o in outcomes),
            "escalated": sum(o.kind == kind and o.first_turn is not None for o in outcomes),
        }
        for kind in kinds
    }


def sweep(
    conversations: list[dict[str, Any]], played: dict[str, list[Turn]]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    results = []
    for values in itertools.product(*SWEEP.values()):
        config = EscalationConfig.from_mapping(dict(zip(SWEEP, values, strict=True)))
        outcomes = [outcome(c, replay(played[c["id"]], config)) for c in conversations]
        s = scores(outcomes)
        results.append({**dict(zip(SWEEP, values, strict=True)), **_headline(s)})
    # Equally good: the most conservative (escalate no more than needed).
    best = max(results, key=lambda r: (r["f1_in_time"], r["precision"], *(r[k] for k in SWEEP)))
    return results, best


def _headline(s: dict[str, Any]) -> dict[str, Any]:
    due = s["should_reach_a_person"]
    precision = s["precision"]
    in_time = s["recall_in_time"]
    f1 = 2 * precision * in_time / (precision + in_time) if precision + in_time else 0.0
    return {
        "precision": precision,
        "recall_in_time": in_time,
        "f1_in_time": round(f1, 3),
        "false_alarms": s["false_alarms"],
        "missed_or_late": s["missed"] + s["late_ids"],
        "due": due,
    }


def main() -> None:
    test, tuning = load("escalation_test.yml"), load("escalation_tuning.yml")
    with running_product() as product:
        store = ConversationStore(f"sqlite:///{product.data_dir / 'tracker.db'}")
        played_test = play(test, product.rasa_url, store)
        played_tuning = play(tuning, product.rasa_url, store)
    outcomes = [outcome(c, recorded(played_test[c["id"]])) for c in test]
    sweep_results, best = sweep(tuning, played_tuning)
    in_use = EscalationConfig.from_mapping(_policy_config())
    write_result(
        "escalation_eval",
        {
            "setup": "the running bot (supportbot run, thresholds from config.yml) on the "
            "scripted conversations of bench/data/escalation_test.yml; an escalation is an "
            "offer of a person or a hand-over",
            "thresholds": in_use.as_dict(),
            "test": scores(outcomes),
            "test_by_kind": by_kind(outcomes),
            "test_conversations": [
                {
                    "id": o.id,
                    "expect": o.expect.value,
                    "by_turn": o.by_turn,
                    "first_escalation_turn": o.first_turn,
                    "handover_turn": o.handover_turn,
                    "reason": o.reason,
                    "turns": [_turn_summary(t) for t in played_test[o.id]],
                }
                for o in outcomes
            ],
            "sweep_on_tuning_set": {
                "conversations": len(tuning),
                "selection": "highest F1 of precision and in-time recall, then precision, "
                "then the highest thresholds (the fewest escalations)",
                "best": best,
                "in_use": _headline(
                    scores([outcome(c, replay(played_tuning[c["id"]], in_use)) for c in tuning])
                ),
                "all": sweep_results,
            },
        },
    )


def _turn_summary(turn: Turn) -> str:
    negative = "-" if turn.negative is None else f"{turn.negative:.2f}"
    level = (turn.escalation or {}).get("level", "")
    return f"{turn.intent} neg={negative} {'/'.join(turn.bot_actions)} {level}".strip()


def _policy_config() -> dict[str, Any]:
    config = yaml.safe_load((PROJECT / "config.yml").read_text())
    policy: dict[str, Any] = next(
        p for p in config["policies"] if p["name"].endswith("FrustrationPolicy")
    )
    return policy


if __name__ == "__main__":
    main()
