"""The command lines (and the Rasa server's environment) of the product's three kinds of
server: ``supportbot run`` starts them all, ``supportbot serve KIND`` runs one in the
foreground (a container's command)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.rasa_api import rasa_api_token
from bot.runtime.training import rasa_executable
from bot.settings import Settings

KINDS = ("rasa", "actions", "web")
#: The largest request body the Rasa server reads (Sanic's default is 100 MB). Its requests are
#: customers' messages, the desk's events and model paths: a megabyte is far more than any.
RASA_MAX_REQUEST_BYTES = 1_048_576


def endpoints_file(*, clustered: bool) -> str:
    """Rasa's endpoints: a cluster's add the Redis lock store and the RabbitMQ broker."""
    return "deploy/endpoints.yml" if clustered else "endpoints.yml"


def rasa_environment(env: dict[str, str]) -> dict[str, str]:
    """``env`` for a Rasa server: with its request size limit (Sanic reads ``SANIC_*``)."""
    return {**env, "SANIC_REQUEST_MAX_SIZE": str(RASA_MAX_REQUEST_BYTES)}


def actions_command(port: int) -> list[str]:
    return [sys.executable, "-m", "actions", "--port", str(port)]


def web_command(port: int) -> list[str]:
    return [sys.executable, "-m", "bot.web", "--port", str(port)]


def rasa_command(settings: Settings, model: Path, port: int, *, clustered: bool) -> list[str]:
    return [
        rasa_executable(), "run",
        "--model", str(model),
        "--endpoints", endpoints_file(clustered=clustered),
        "--credentials", "credentials.yml",
        "--interface", settings.host,
        "--port", str(port),
        "--enable-api",
        # One argument: a token may start with "-" (token_urlsafe), which argparse would take
        # for an option ("expected one argument": one start in 64 failed).
        f"--auth-token={rasa_api_token(settings)}",
        "--cors", "*",
    ]  # fmt: skip
