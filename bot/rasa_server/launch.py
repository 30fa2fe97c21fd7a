"""``python -m bot.rasa_server.launch run ...``: Rasa's own command line (``rasa run ...``),
given the HTTP API's token from the environment (``SUPPORTBOT_RASA_API_TOKEN``) rather than on
the command line, where ``ps`` shows it to every user of the machine (a process's environment
is readable by its owner only)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from bot.rasa_api import TOKEN_VARIABLE


def rasa_arguments(arguments: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """Rasa's arguments with the token from ``environ`` added (one argument: a token may
    start with "-", which argparse would take for an option)."""
    token = environ.get(TOKEN_VARIABLE, "").strip()
    return [*arguments, f"--auth-token={token}"] if token else list(arguments)


def main() -> None:
    arguments = rasa_arguments(sys.argv[1:], os.environ)
    given = [a.removeprefix("--auth-token=") for a in arguments if a.startswith("--auth-token=")]
    if "--enable-api" in arguments and not any(token.strip() for token in given):
        # Rasa would serve its HTTP API (any conversation, the model) to anyone who asks.
        sys.exit(f"error: {TOKEN_VARIABLE} is not set: Rasa's HTTP API would be open to anyone")
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
