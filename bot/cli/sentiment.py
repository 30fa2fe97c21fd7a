"""``supportbot sentiment train|eval|show``: the sentiment model."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.output import emit_json, info
from bot.sentiment import dataset
from bot.sentiment.evaluation import evaluate
from bot.sentiment.training import RECIPE, embedder_for, load_sentiment_model, train
from bot.services import Services


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sentiment = subparsers.add_parser(
        "sentiment",
        help="train, evaluate and try the sentiment model",
        description="Sentiment commands. Evaluation commands print one JSON object on the "
        "last line of stdout.",
    )
    commands = sentiment.add_subparsers(dest="sentiment_command", required=True, metavar="COMMAND")

    train_cmd = commands.add_parser(
        "train",
        help="train the built-in model from labelled messages (a few minutes on 2 cores)",
        description="Fine-tune the top layers of the embedding model for sentiment on the "
        "labelled CSV files (text,label) of a folder; one message in five is held out and "
        "scored. Prints the held-out figures as JSON.",
    )
    train_cmd.add_argument(
        "--data", type=Path, help="folder of labelled CSVs (default: data/sentiment/)"
    )
    train_cmd.add_argument("--out", type=Path, help="model folder (default: models/sentiment/)")
    train_cmd.add_argument(
        "--epochs", type=int, default=int(RECIPE["epochs"]), help="default: %(default)s"
    )
    train_cmd.set_defaults(handler=_train)

    eval_cmd = commands.add_parser(
        "eval",
        help="score the model in use on a labelled CSV",
        description="Score the sentiment model in use (or --model) on a CSV with columns "
        "text,label (negative/neutral/positive). JSON: n, accuracy, negative_precision, "
        "negative_recall, negative_f1, p50_ms, and per-class figures.",
    )
    eval_cmd.add_argument("--data", type=Path, required=True, help="CSV text,label")
    eval_cmd.add_argument("--model", type=Path, help="model folder (default: the one in use)")
    eval_cmd.set_defaults(handler=_eval)

    show = commands.add_parser("show", help="the sentiment of one message, with its scores")
    show.add_argument("text")
    show.set_defaults(handler=_show)


def _train(args: argparse.Namespace, services: Services) -> int:
    settings = services.settings
    metrics = train(
        embedder_for(settings, threads=2),
        data_dir=args.data or settings.sentiment_data_dir,
        out=args.out or settings.sentiment_dir,
        epochs=args.epochs,
        progress=info,
    )
    emit_json(metrics)
    return 0


def _eval(args: argparse.Namespace, services: Services) -> int:
    model = load_sentiment_model(services.settings, folder=args.model)
    examples = dataset.read_labelled_csv(args.data)
    info(f"scoring {model.model_id} on {len(examples)} messages ...")
    emit_json(evaluate(model, examples))
    return 0


def _show(args: argparse.Namespace, services: Services) -> int:
    model = load_sentiment_model(services.settings)
    emit_json(model.predict([args.text])[0].as_dict())
    return 0
