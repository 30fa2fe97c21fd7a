"""``supportbot``: the command line of supportbot.

Errors are mapped here, once: a ``SupportBotError`` prints ``error: ...`` with its hint on
stderr and exits with status 2; anything unexpected exits with status 1 and a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import agent, audit, db, kb, privacy, redact, report, retrain, review, sentiment, serve
from bot.errors import SupportBotError
from bot.services import Services
from bot.settings import OFFLINE_ENVIRONMENT, Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supportbot",
        description="supportbot: a self-hosted customer-support assistant. Configuration comes "
        "from SUPPORTBOT_* environment variables (see the README).",
    )
    parser.add_argument("--version", action="version", version=f"supportbot {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    kb.register(subparsers)
    serve.register(subparsers)
    sentiment.register(subparsers)
    agent.register(subparsers)
    db.register(subparsers)
    redact.register(subparsers)
    review.register(subparsers)
    retrain.register(subparsers)
    report.register(subparsers)
    privacy.register(subparsers)
    audit.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        logging.basicConfig(
            level=settings.log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        settings.ensure_private_data_dir()
        status: int = args.handler(args, Services(settings))
        return status
    except SupportBotError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  -> {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
