"""``supportbot retrain`` (train, gate, promote) and ``supportbot model`` (list, rollback)."""

from __future__ import annotations

import argparse
import getpass

from bot.cli.output import emit_json, info
from bot.retraining.gate import MAX_INTENT_DROP
from bot.retraining.registry import ModelRegistry
from bot.retraining.retrain import RetrainOptions, retrain
from bot.services import Services


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = subparsers.add_parser(
        "retrain",
        help="train a candidate model, check it against the serving one, promote it if not worse",
        description="Train a candidate Rasa model from the current training data, score it and "
        "the serving model on the frozen evaluation set (evaluation/intents.yml), run the test "
        "stories, and promote the candidate into the running Rasa server only if accuracy "
        "and macro-F1 did not drop, no intent's F1 dropped by more than --max-intent-drop, "
        "and the stories pass. Writes an HTML report with a confusion matrix and a JSON "
        "report under var/retrain/; the last line of stdout is the JSON result.",
    )
    command.add_argument(
        "--max-intent-drop",
        type=float,
        default=MAX_INTENT_DROP,
        help=f"largest F1 drop allowed for any one intent (default {MAX_INTENT_DROP})",
    )
    command.add_argument("--no-promote", action="store_true", help="only train, check and report")
    command.add_argument("--by", default=None, help="who retrains (recorded; default: you)")
    command.set_defaults(handler=_retrain)

    model = subparsers.add_parser(
        "model",
        help="which model serves customers: list, roll back",
        description="The serving Rasa model, the previous one, and every promotion. Each "
        "conversation's events carry the id of the model that served them (metadata.model_id).",
    )
    steps = model.add_subparsers(dest="model_command", required=True, metavar="STEP")
    listing = steps.add_parser("list", help="serving, previous and history")
    listing.set_defaults(handler=_list)
    rollback = steps.add_parser("rollback", help="serve the previous model again, at once")
    rollback.add_argument("--by", default=None)
    rollback.set_defaults(handler=_rollback)


def _actor(args: argparse.Namespace) -> str:
    return str(args.by or f"cli:{getpass.getuser()}")


def _retrain(args: argparse.Namespace, services: Services) -> int:
    if args.max_intent_drop < 0:
        info("error: --max-intent-drop must be 0 or more")
        return 2
    options = RetrainOptions(
        max_intent_drop=args.max_intent_drop, promote=not args.no_promote, by=_actor(args)
    )
    info("training the candidate model and checking it (under a minute for the demo bot) ...")
    result = retrain(services.settings, options, clock=services.clock)
    if not result["changed"]:
        info(f"nothing to do: {result['message']}")
    else:
        verdict = result["verdict"]
        current, candidate = result["current"], result["candidate"]
        info(
            f"accuracy {current['accuracy']:.3f} -> {candidate['accuracy']:.3f}, "
            f"macro-F1 {current['macro_f1']:.3f} -> {candidate['macro_f1']:.3f} "
            f"on {candidate['n']} evaluation messages; stories: {result['stories']['summary']}"
        )
        for change in verdict["improved"]:
            info(f"  better: {change['intent']} {change['delta']:+.2f}")
        for change in verdict["worse"]:
            info(f"  worse:  {change['intent']} {change['delta']:+.2f}")
        if result.get("promotion_error"):
            info(f"PASSED the gate, but the promotion failed: {result['promotion_error']}")
        elif verdict["passed"]:
            where = (
                "into the running server"
                if result.get("loaded_into_running_server")
                else "(the server is not running: it starts with it)"
            )
            info(
                f"PASSED: {result['candidate_model']} promoted {where}"
                if result["promoted"]
                else "PASSED (not promoted: --no-promote)"
            )
        else:
            info("REFUSED: " + "; ".join(verdict["reasons"]))
        info(f"report: {result['report']}")
    emit_json(
        {k: v for k, v in result.items() if k not in ("current", "candidate")} | _brief(result)
    )
    return 0 if result["passed"] else 1


def _brief(result: dict[str, object]) -> dict[str, object]:
    """The headline scores, without the long per-intent tables (they are in report.json)."""
    brief: dict[str, object] = {}
    for side in ("current", "candidate"):
        scores = result.get(side)
        if isinstance(scores, dict):
            brief[f"{side}_accuracy"] = scores["accuracy"]
            brief[f"{side}_macro_f1"] = scores["macro_f1"]
    return brief


def _list(args: argparse.Namespace, services: Services) -> int:
    registry = ModelRegistry(services.settings)
    serving, previous = registry.serving(), registry.previous()
    if serving is None:
        print("no model promoted yet: `supportbot run` serves the model for the current data")
    else:
        print(
            f"serving:  {serving.file}  (model_id {serving.model_id}, since {serving.promoted_at})"
        )
    if previous is not None:
        print(f"previous: {previous.file}  (`supportbot model rollback` serves it again)")
    for event, entry in registry.history():
        print(f"  {entry.promoted_at}  {event:<11}  {entry.file}  {entry.model_id}  by {entry.by}")
    emit_json(
        {
            "serving": serving.to_json() if serving else None,
            "previous": previous.to_json() if previous else None,
        }
    )
    return 0


def _rollback(args: argparse.Namespace, services: Services) -> int:
    entry, loaded = ModelRegistry(services.settings).rollback(by=_actor(args), at=services.clock())
    info(
        f"now serving {entry.file}"
        + (" (loaded into the running server)" if loaded else " (the server starts with it)")
    )
    emit_json({"serving": entry.to_json(), "loaded_into_running_server": loaded})
    return 0
