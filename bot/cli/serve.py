"""``supportbot run``, ``train`` and ``shell``: running the product."""

from __future__ import annotations

import argparse
import os

from bot.cli.output import emit_json, info
from bot.errors import ConfigurationError, ServiceError
from bot.runtime import supervisor
from bot.runtime.ports import free_port
from bot.runtime.processes import is_healthy
from bot.runtime.servers import (
    KINDS,
    actions_command,
    rasa_command,
    rasa_environment,
    web_command,
)
from bot.runtime.topology import Topology, cluster_needs
from bot.runtime.training import ensure_trained, model_file, rasa_executable, training_fingerprint
from bot.services import Services
from bot.storage import migrate


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = subparsers.add_parser(
        "run",
        help="build the index, train if needed, start the Rasa and action servers",
        description="Start supportbot: builds the knowledge-base index if needed, trains the "
        "Rasa model if its inputs changed, starts the action server and the Rasa server, "
        "prints the URLs, and rebuilds the index when the knowledge base is edited. Ctrl-C stops. "
        "With --rasa/--actions/--web above 1 or --proxy-port, starts a cluster on this machine: "
        "that many servers of each kind behind HAProxy on 127.0.0.1:PROXY_PORT (needs "
        "PostgreSQL, Redis and RabbitMQ: make run-cluster sets them up; see the README's "
        "Scaling out).",
    )
    sizes = run.add_argument_group("cluster (Rasa's distributed setup on one machine)")
    sizes.add_argument("--rasa", type=int, default=1, metavar="N", help="Rasa servers (default 1)")
    sizes.add_argument(
        "--actions", type=int, default=1, metavar="M", help="action servers (default 1)"
    )
    sizes.add_argument(
        "--web", type=int, default=1, metavar="K", help="desk web services (default 1)"
    )
    sizes.add_argument(
        "--proxy-port",
        type=int,
        metavar="P",
        help="the load balancer's public port (default 8080 in a cluster); P+1 and P+2 are "
        "its internal listeners for Rasa's HTTP API and the action servers",
    )
    run.set_defaults(handler=_run)

    serve = subparsers.add_parser(
        "serve",
        help="run one server in the foreground: rasa, actions or web (a container's command)",
        description="Run one server of the product in the foreground, configured by SUPPORTBOT_* "
        "settings, for a container or your own process manager (deploy/ has the compose file "
        "and Kubernetes manifests that use it). rasa: builds the index and trains the model "
        "first if they are missing or stale; actions: builds the index if needed; web: brings "
        "the desk's database to the newest schema. With SUPPORTBOT_REDIS_URL and "
        "SUPPORTBOT_RABBITMQ_URL set, Rasa uses deploy/endpoints.yml (lock store, event broker).",
    )
    serve.add_argument("kind", choices=KINDS, help="which server")
    serve.add_argument(
        "--port",
        type=int,
        help="default: SUPPORTBOT_RASA_PORT, SUPPORTBOT_ACTIONS_PORT or SUPPORTBOT_WEB_PORT",
    )
    serve.set_defaults(handler=_serve)

    train = subparsers.add_parser(
        "train", help="train the Rasa model if its training inputs changed"
    )
    train.add_argument("--force", action="store_true", help="train even if a model exists")
    train.set_defaults(handler=_train)

    shell = subparsers.add_parser(
        "shell",
        help="chat with the bot in the terminal (rasa shell; needs `supportbot run` running)",
    )
    shell.set_defaults(handler=_shell)


def _run(args: argparse.Namespace, services: Services) -> int:
    topology = Topology.choose(
        rasa=args.rasa, actions=args.actions, web=args.web, proxy_port=args.proxy_port
    )
    return supervisor.run(services.settings, model_id=services.embedder.model_id, topology=topology)


def _serve(args: argparse.Namespace, services: Services) -> int:
    settings = services.settings
    clustered = settings.redis_url is not None or settings.broker_url is not None
    if clustered:  # one of several servers
        cluster_needs(settings, hint="see deploy/README.md")
    if clustered and not settings.rasa_api_token:
        raise ConfigurationError(
            "several servers must share one token for Rasa's HTTP API: set "
            "SUPPORTBOT_RASA_API_TOKEN to the same secret for every Rasa server and web service",
            hint="see deploy/README.md",
        )
    if clustered and args.kind in ("rasa", "actions") and not settings.actions_token:
        raise ConfigurationError(
            "the Rasa servers and the action servers must share one token: set "
            "SUPPORTBOT_ACTIONS_TOKEN to the same secret for every Rasa and action server",
            hint="see deploy/README.md",
        )
    if args.kind == "rasa":
        model = supervisor.prepare(settings, model_id=services.embedder.model_id)
        command = rasa_command(
            settings, model, args.port or settings.rasa_port, clustered=clustered
        )
    elif args.kind == "actions":
        supervisor.prepare_index(settings, model_id=services.embedder.model_id)
        command = actions_command(args.port or settings.actions_port)
    else:
        migrate.upgrade(settings.database_url)
        command = web_command(args.port or settings.web_port)
    info(f"starting the {args.kind} server: {' '.join(command[:3])} ...")
    os.chdir(settings.home)
    env = settings.child_environment()
    os.execve(command[0], command, rasa_environment(settings, env) if args.kind == "rasa" else env)


def _train(args: argparse.Namespace, services: Services) -> int:
    settings = services.settings
    fingerprint = training_fingerprint(settings)
    cached = model_file(settings, fingerprint).is_file() and not args.force
    if not cached:
        info("training the Rasa model (about a minute) ...")
    model = ensure_trained(settings, force=args.force)
    info(f"model: {model}" + (" (up to date, not retrained)" if cached else ""))
    emit_json({"model": str(model), "fingerprint": fingerprint, "trained": not cached})
    return 0


def _shell(args: argparse.Namespace, services: Services) -> int:
    settings = services.settings
    if not is_healthy(f"{settings.actions_url}/health"):
        raise ServiceError(
            f"the action server is not running at {settings.actions_url}",
            hint="start the bot with `make run` in another terminal first",
        )
    model = ensure_trained(settings)
    command = [
        rasa_executable(), "shell",
        "--model", str(model),
        "--endpoints", "endpoints.yml",
        "--interface", settings.host,
        "--port", str(free_port()),
    ]  # fmt: skip
    os.chdir(settings.home)
    os.execve(command[0], command, rasa_environment(settings, settings.child_environment()))
