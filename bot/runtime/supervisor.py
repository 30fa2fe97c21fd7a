"""``supportbot run``: prepare and start everything, print the URLs, stop cleanly.

1. Build the knowledge-base index if it is missing or stale.
2. Train the Rasa model if its training inputs changed (otherwise reuse it: seconds).
3. Start the action server, the Rasa server and the web service (demo shop and widget), and
   wait until each answers.
4. While running: rebuild the index when the knowledge base is edited (the action server
   picks up the new index by itself), and restart a service that died (customers are told
   meanwhile); a service that keeps dying stops everything.
5. On Ctrl-C (or SIGTERM): stop the services and exit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import shlex
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from bot.errors import ServiceError, SupportBotError
from bot.knowledge import check_fresh, kb_fingerprint, read_manifest
from bot.rasa_api import HttpRasaApi, run_sync
from bot.retraining.registry import ModelRegistry
from bot.runtime.haproxy import HEALTH_PATH, haproxy_config, server_name
from bot.runtime.processes import ManagedProcess
from bot.runtime.promotions import PromotionFollower, follow
from bot.runtime.servers import actions_command, rasa_command, rasa_environment, web_command
from bot.runtime.topology import Topology, loopback
from bot.runtime.training import (
    ensure_sentiment_model,
    ensure_trained,
    model_file,
    run_logged,
    supportbot_executable,
    tail,
    training_fingerprint,
)
from bot.settings import Settings
from bot.storage import migrate
from bot.storage.accounts import SqlAccounts

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT = 240.0  # Rasa loads tensorflow, torch and two models: ~20 s here
KB_POLL_SECONDS = 2.0
#: A service may be restarted this many times within RESTART_WINDOW seconds.
MAX_RESTARTS = 3
RESTART_WINDOW = 600.0


def index_is_current(settings: Settings, *, model_id: str) -> bool:
    try:
        check_fresh(read_manifest(settings.kb_index_dir), source=settings.kb_dir, model_id=model_id)
    except SupportBotError:
        return False
    return True


def build_index_now(settings: Settings) -> None:
    """Run ``supportbot kb build`` in a child process (keeps torch out of the supervisor)."""
    log_path = settings.logs_dir / "kb_build.log"
    if run_logged([supportbot_executable(), "kb", "build"], settings, log_path) != 0:
        raise ServiceError(
            f"building the knowledge-base index failed:\n{tail(log_path)}", hint=f"see {log_path}"
        )


@dataclass
class RunningProduct:
    """The started services; ``stop()`` stops them in reverse order."""

    settings: Settings
    model: Path
    processes: list[ManagedProcess]
    rasa_servers: dict[str, str] = dataclasses.field(default_factory=dict)  # name: own URL

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def dead(self) -> ManagedProcess | None:
        return next((p for p in self.processes if p.exit_code() is not None), None)


def prepare(settings: Settings, *, model_id: str) -> Path:
    """Steps 1 and 2: a current index and a trained model (returns the model's path)."""
    prepare_index(settings, model_id=model_id)
    return serving_model(settings)


def prepare_index(settings: Settings, *, model_id: str) -> None:
    """A current knowledge-base index and the sentiment model (what the actions need)."""
    settings.ensure_private_data_dir()
    if not index_is_current(settings, model_id=model_id):
        logger.info("building the knowledge-base index ...")
        build_index_now(settings)
    ensure_sentiment_model(settings)


def serving_model(settings: Settings) -> Path:
    """The model to serve: the one last promoted by ``supportbot retrain`` (or rolled back
    to), else the model for the current training data (trained if needed).

    Returned as ``var/models/serving.tar.gz``, a link that promotion moves, so a Rasa
    server restarted after a promotion starts with the promoted model.
    """
    registry = ModelRegistry(settings)
    entry = registry.serving()
    if entry is not None and registry.file(entry).is_file():
        model = registry.file(entry)
        if model.name != model_file(settings, training_fingerprint(settings)).name:
            logger.warning(
                "serving the promoted model %s; the training data changed since: "
                "`supportbot retrain` checks a new model and promotes it if it is not worse",
                model.name,
            )
    else:
        model = ensure_trained(settings)
    registry.point_link(model)
    return registry.link


def start_services(
    settings: Settings, model: Path, topology: Topology | None = None
) -> RunningProduct:
    """Step 3: start the action servers, the Rasa servers, the web services (and in a
    cluster the load balancer), each answering before the next kind starts.

    ``settings`` are the cluster's (``Topology.settings_for``) when there is one."""
    topology = topology or Topology()
    env = settings.child_environment()
    logs = settings.logs_dir

    def numbered(name: str, stem: str, n: int, count: int) -> tuple[str, str]:
        """(the process's name, its log's stem): ``Rasa server 2``, ``rasa-2``."""
        return (f"{name} {n}", f"{stem}-{n}") if count > 1 else (name, stem)

    def named(env: dict[str, str], n: int) -> dict[str, str]:
        """Rasa server ``n``'s environment: in a cluster, its name (see the load balancer)."""
        own = rasa_environment(settings, env)
        return {**own, "SUPPORTBOT_SERVER_NAME": server_name(n)} if topology.clustered else own

    kinds: list[list[ManagedProcess]] = []
    actions = []
    for n, port in enumerate(topology.action_ports(settings), start=1):
        name, stem = numbered("action server", "actions", n, topology.actions)
        actions.append(
            ManagedProcess(
                name,
                actions_command(port),
                cwd=settings.home,
                env=env,
                log_path=logs / f"{stem}.log",
                health_url=f"http://{loopback(settings.actions_host)}:{port}/health",
            )
        )
    kinds.append(actions)
    rasa = []
    for n, port in enumerate(topology.rasa_ports(settings), start=1):
        name, stem = numbered("Rasa server", "rasa", n, topology.rasa)
        rasa.append(
            ManagedProcess(
                name,
                rasa_command(settings, model, port, clustered=topology.clustered),
                cwd=settings.home,
                env=named(env, n),
                log_path=logs / f"{stem}.log",
                health_url=f"http://{settings.host}:{port}/",
            )
        )
    kinds.append(rasa)
    web = []
    for n, port in enumerate(topology.web_ports(settings), start=1):
        name, stem = numbered("web service", "web", n, topology.web)
        web.append(
            ManagedProcess(
                name,
                web_command(port),
                cwd=settings.home,
                env=env,
                log_path=logs / f"{stem}.log",
                health_url=f"http://{settings.host}:{port}/health",
            )
        )
    kinds.append(web)
    if topology.clustered:
        kinds.append([load_balancer(settings, topology, env)])
    servers = {p.name: p.health_url.rstrip("/") for p in rasa}
    product = RunningProduct(settings=settings, model=model, processes=[], rasa_servers=servers)
    try:
        for kind in kinds:
            for process in kind:  # servers of one kind start side by side
                process.start()
                product.processes.append(process)
            for process in kind:
                process.wait_healthy(timeout=STARTUP_TIMEOUT)
        for replica in servers.values():  # each replica, not the balancer
            warm_up_rasa(dataclasses.replace(settings, rasa_api_url=replica))
    except BaseException:
        product.stop()
        raise
    return product


def warm_up_rasa(settings: Settings) -> None:
    """Parse one message so the first customer does not wait for the models to warm up.

    Uses the HTTP API's ``/model/parse`` (NLU only): no conversation is created.
    """
    try:
        run_sync(HttpRasaApi(settings).parse("hello, where is my order?"))
    except ServiceError as exc:  # not fatal: only the first answer is slower
        logger.warning("could not warm up the Rasa server: %s", exc)


def load_balancer(settings: Settings, topology: Topology, env: dict[str, str]) -> ManagedProcess:
    """HAProxy in the foreground, on a configuration written for this topology."""
    assert topology.proxy_port is not None
    config = settings.data_dir / "cluster" / "haproxy.cfg"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(haproxy_config(topology, settings))
    executable = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(executable).is_file():
        raise ServiceError(
            "HAProxy is not installed",
            hint="make run-cluster installs it (Debian's haproxy package: apt-get install haproxy)",
        )
    return ManagedProcess(
        "load balancer",
        [executable, "-db", "-f", str(config)],
        cwd=settings.home,
        env=env,
        log_path=settings.logs_dir / "haproxy.log",
        health_url=f"http://{settings.host}:{topology.proxy_port}{HEALTH_PATH}",
    )


def urls(settings: Settings) -> list[tuple[str, str]]:
    """Where people and programs reach the product (behind a proxy: the proxy's addresses)."""
    web, chat = settings.public_web_url or settings.web_url, settings.widget_bot_url
    found = [
        ("Demo shop", f"{web}/  (open it and chat in the widget)"),
        ("Widget script", f"{web}/widget/widget.js  (embed: see README)"),
        ("Agent console", f"{web}/console"),
        ("Dashboard", f"{web}/console/dashboard.html  (leads)"),
        ("Agent API", f"{web}/api  (see README)"),
        ("Chat (REST)", f"POST {chat}/webhooks/rest/webhook"),
        ("Chat (socket.io)", f"{chat}/socket.io"),
    ]
    if settings.slack is not None:
        slack_url = f"{settings.widget_bot_url}/webhooks/slack/webhook"
        found.append(("Slack events", f"{slack_url}  (Slack app: Event Subscriptions)"))
    return [
        *found,
        ("Rasa HTTP API", f"{settings.rasa_url}/  (token in {settings.data_dir}/secrets/)"),
        ("Action server", f"{settings.actions_url}/health"),
        ("Logs", str(settings.logs_dir)),
        ("Daily reports", str(settings.reports_dir)),
    ]


def url_lines(settings: Settings) -> list[str]:
    """The URL table, labels padded to the longest one."""
    rows = urls(settings)
    width = max(len(label) for label, _ in rows)
    return [f"  {label:<{width}}  {url}" for label, url in rows]


def watch(
    product: RunningProduct,
    *,
    model_id: str,
    stop: threading.Event,
    rebuild: Callable[[Settings], None] = build_index_now,
) -> None:
    """Step 4: until ``stop`` is set, rebuild the index on KB edits, watch the children and
    load a newly promoted model into every Rasa server."""
    settings = product.settings
    last_seen = kb_fingerprint(settings.kb_dir)
    restarts: dict[str, list[float]] = {}
    follow(PromotionFollower(settings, product.rasa_servers), stop, KB_POLL_SECONDS, say)
    while not stop.wait(KB_POLL_SECONDS):
        dead = product.dead()
        if dead is not None:
            restart(dead, restarts)
        try:
            current = kb_fingerprint(settings.kb_dir)
        except OSError:  # an editor may be replacing a file right now
            continue
        if current != last_seen:
            last_seen = current
            if not index_is_current(settings, model_id=model_id):
                say("knowledge base changed: rebuilding the index ...")
                try:
                    rebuild(settings)
                    say("index rebuilt; the bot answers from it now")
                except SupportBotError as exc:
                    # Keep serving the previous index; the operator fixes the files.
                    say(f"error: {exc.message}\n  -> the bot keeps the previous index")


def restart(process: ManagedProcess, history: dict[str, list[float]]) -> None:
    """Start a dead service again, unless it keeps dying (then raise with its log)."""
    now = time.monotonic()
    recent = [t for t in history.get(process.name, []) if now - t < RESTART_WINDOW]
    if len(recent) >= MAX_RESTARTS:
        raise ServiceError(
            f"{process.name} keeps stopping (exit {process.exit_code()}):\n"
            f"{tail(process.log_path)}",
            hint=f"see {process.log_path}",
        )
    history[process.name] = [*recent, now]
    say(f"{process.name} stopped (exit {process.exit_code()}); restarting it ...")
    process.start()
    process.wait_healthy(timeout=STARTUP_TIMEOUT)
    say(f"{process.name} is back")


#: The settings other commands need to reach a running cluster (written at its start).
CLUSTER_SETTINGS = (
    "DATABASE_URL",
    "TRACKER_URL",
    "REDIS_URL",
    "RABBITMQ_URL",
    "RASA_URL",
    "ACTIONS_URL",
)


def write_cluster_environment(settings: Settings) -> Path:
    """``var/cluster/env``: ``export`` lines for the cluster's URLs (passwords inside: only
    the owner may read it)."""
    env = settings.child_environment({})
    path = settings.data_dir / "cluster" / "env"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    lines = [
        f"export SUPPORTBOT_{name}={shlex.quote(env['SUPPORTBOT_' + name])}"
        for name in CLUSTER_SETTINGS
    ]
    path.write_text(
        "# Written by supportbot run for the running cluster.\n" + "\n".join(lines) + "\n"
    )
    return path


def describe(topology: Topology) -> str:
    """``the action server, the Rasa server and the web service``, or the cluster's sizes."""
    if not topology.clustered:
        return "the action server, the Rasa server and the web service"
    return (
        f"{topology.rasa} Rasa servers, {topology.actions} action servers, {topology.web} web "
        f"services and the load balancer on port {topology.proxy_port}"
    )


def say(message: str) -> None:
    """Print for the operator; a closed terminal or pipe must not stop the shutdown."""
    with contextlib.suppress(OSError, ValueError):  # a broken pipe, a closed stream
        print(message, flush=True)


def run(settings: Settings, *, model_id: str, topology: Topology | None = None) -> int:
    """The whole of ``supportbot run`` (one box, or the ``topology`` asked for)."""
    topology = topology or Topology()
    settings = topology.settings_for(settings)  # a cluster's needs are checked first
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)

    say("preparing: knowledge-base index and Rasa model ...")
    model = prepare(settings, model_id=model_id)
    if stop.is_set():
        return 130
    say(f"database: {migrate.safe_url(settings.database_url)} ...")
    before, after = migrate.upgrade(settings.database_url)
    if before != after:
        say(f"database schema upgraded from {before or 'none'} to {after}")
    say(f"starting {describe(topology)} (model {model.resolve().name}) ...")
    started = time.monotonic()
    product = start_services(settings, model, topology)
    try:
        # Only now, so the password is shown: a start that failed would have lost it.
        admin_password = SqlAccounts(settings.database_url).ensure_admin(now=datetime.now(UTC))
        lines = [f"\nsupportbot is running (started in {time.monotonic() - started:.0f}s):"]
        lines += url_lines(settings)
        if admin_password is not None:
            lines += [
                "\nFirst start: a console admin was created. Sign in at "
                f"{settings.console_url} as  admin  with password  {admin_password}",
                "(shown only this once: the console has you choose your own at the first "
                "sign-in; add agents: .venv/bin/supportbot agent add --name NAME)",
            ]
        lines += [
            "\nTry it:  curl -s -X POST "
            f"{settings.widget_bot_url}/webhooks/rest/webhook -H 'Content-Type: application/json' "
            """-d '{"sender": "me", "message": "how do I return an item?"}'""",
            "Chat in the terminal: make shell (in another terminal).  Stop: Ctrl-C\n",
        ]
        if topology.clustered:
            env_file = write_cluster_environment(settings)
            lines[-1:-1] = [
                "Other commands (supportbot agent, report, retrain) must use the cluster's "
                f"databases: in another terminal, first  . {env_file}",
            ]
        say("\n".join(lines))
        watch(product, model_id=model_id, stop=stop)
    finally:
        # Stop first, then talk: the terminal may already be gone.
        stop.set()  # the promotion follower's thread too
        product.stop()
        say("stopped.")
    return 0
