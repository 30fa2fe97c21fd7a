"""The command lines (and the Rasa server's environment) of the product's three kinds of
server: ``supportbot run`` starts them all, ``supportbot serve KIND`` runs one in the
foreground (a container's command)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.rasa_api import TOKEN_VARIABLE, rasa_api_token
from bot.settings import Settings

KINDS = ("rasa", "actions", "web")
#: The largest request body the Rasa server reads (Sanic's default is 100 MB). Its requests are
#: customers' messages, the desk's events and model paths: a megabyte is far more than any.
RASA_MAX_REQUEST_BYTES = 1_048_576


def endpoints_file(*, clustered: bool) -> str:
    """Rasa's endpoints: a cluster's add the Redis lock store and the RabbitMQ broker."""
    return "deploy/endpoints.yml" if clustered else "endpoints.yml"


def rasa_environment(settings: Settings, env: dict[str, str]) -> dict[str, str]:
    """``env`` for a Rasa server: with its request size limit (Sanic reads ``SANIC_*``) and
    its HTTP API's token (read by ``bot.rasa_server.launch``, never put on a command line)."""
    return {
        **env,
        "SANIC_REQUEST_MAX_SIZE": str(RASA_MAX_REQUEST_BYTES),
        TOKEN_VARIABLE: rasa_api_token(settings),
    }


def actions_command(port: int) -> list[str]:
    return [sys.executable, "-m", "actions", "--port", str(port)]


def web_command(port: int) -> list[str]:
    return [sys.executable, "-m", "bot.web", "--port", str(port)]


def rasa_command(settings: Settings, model: Path, port: int, *, clustered: bool) -> list[str]:
    return [
        sys.executable, "-m", "bot.rasa_server.launch", "run",
        "--model", str(model),
        "--endpoints", endpoints_file(clustered=clustered),
        "--credentials", "credentials.yml",
        "--interface", settings.host,
        "--port", str(port),
        "--enable-api",  # with the token from rasa_environment
        "--cors", "*",
    ]  # fmt: skip
