"""``python -m actions``: the action server, started after checking it can do its job.

Before serving, it checks that the knowledge-base index exists and matches the knowledge base
and the embedding model, and that the business facts load — a missing or stale index stops it
with a message naming the command that builds it. Then it loads the model and the index, so the
first customer does not wait for them, and serves rasa-sdk's webhook.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot.errors import SupportBotError
from bot.services import services_for
from bot.settings import OFFLINE_ENVIRONMENT, Settings


def main(argv: Sequence[str] | None = None) -> int:
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    parser = argparse.ArgumentParser(
        prog="python -m actions", description="Run supportbot's action server."
    )
    parser.add_argument("--port", type=int, help="default: SUPPORTBOT_ACTIONS_PORT or 5055")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        services_for(settings).warm_up()  # the same instance the actions will use
    except SupportBotError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  -> {exc.hint}", file=sys.stderr)
        return 2

    from rasa_sdk.endpoint import run

    os.environ["SANIC_HOST"] = settings.actions_host  # loopback unless a deployment says
    run("actions", port=args.port or settings.actions_port, cors_origins=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
