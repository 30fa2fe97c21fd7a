"""The command lines of the product's three kinds of server: ``supportbot run`` starts them
all, ``supportbot serve KIND`` runs one in the foreground (a container's command)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.rasa_api import rasa_api_token
from bot.runtime.training import rasa_executable
from bot.settings import Settings

KINDS = ("rasa", "actions", "web")


def endpoints_file(*, clustered: bool) -> str:
    """Rasa's endpoints: a cluster's add the Redis lock store and the RabbitMQ broker."""
    return "deploy/endpoints.yml" if clustered else "endpoints.yml"


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
        "--auth-token", rasa_api_token(settings),
        "--cors", "*",
    ]  # fmt: skip
