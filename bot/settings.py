"""The one place that reads supportbot's environment (variables prefixed ``SUPPORTBOT_``).

Everything else receives a ``Settings`` object. Defaults are chosen so that ``make run`` in a
fresh clone needs no configuration at all: SQLite and files under the project folder.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import secrets
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigurationError

PREFIX = "SUPPORTBOT_"

#: Set for every process we start: no model is ever fetched from a hub at run time, and
#: nothing is reported to Rasa's telemetry service.
OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "RASA_TELEMETRY_ENABLED": "false",
}

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
ENCODER_PRECISIONS = ("auto", "float32", "bfloat16")
SLACK_GRANULARITIES = ("sender", "channel", "thread")


@dataclass(frozen=True)
class SlackSettings:
    """The Slack app this installation answers as (see the README's Slack section)."""

    bot_token: str  # xoxb-...
    signing_secret: str
    api_url: str = "https://slack.com/api/"
    use_threads: bool = True  # answer mentions in a thread under the customer's message
    channel: str | None = None  # a channel answered without being mentioned
    conversation_granularity: str = "sender"  # one conversation per sender, channel or thread
    agent_channel: str | None = None  # where agents are told a customer waits


@dataclass(frozen=True)
class Settings:
    """Validated configuration of one supportbot installation (build with ``create``)."""

    home: Path
    host: str
    rasa_port: int
    actions_port: int
    web_port: int
    public_rasa_url: str | None
    public_web_url: str | None
    kb_dir: Path
    kb_index_dir: Path
    models_dir: Path
    data_dir: Path
    embedding_model: Path | None
    sentiment_model: Path | None
    torch_threads: int
    log_level: str
    database_url: str
    tracker_url: str
    database_pool_size: int = 5
    #: The Rasa server's encoder format (``SUPPORTBOT_ENCODER_PRECISION``): auto (bfloat16 where
    #: the processor has bfloat16 instructions, else float32), float32 or bfloat16.
    encoder_precision: str = "auto"
    #: Where the action server listens: loopback whatever ``host`` is, as Rasa is its only
    #: client and its webhook runs actions for any conversation it is told of.
    actions_host: str = "127.0.0.1"
    slack: SlackSettings | None = None
    #: Where the other parts reach Rasa's HTTP API and the action server, when that is not
    #: this machine's own port (in a cluster: the load balancer's internal listeners).
    rasa_api_url: str | None = None
    actions_api_url: str | None = None
    #: Redis, shared by the replicas of a cluster (Rasa's lock store, socket.io's manager,
    #: re-sent message ids); None on one box.
    redis_url: str | None = None
    #: RabbitMQ, Rasa's event broker in a cluster: every tracker event reaches the desk's
    #: processes (their live feed); None on one box.
    broker_url: str | None = None
    #: This server's name in a cluster (``r1``, ``r2``, ...): the load balancer sends a chat
    #: page's requests to the Rasa server whose name starts its Socket.IO session id.
    server_name: str | None = None
    #: The load balancer's address: a request from it carries the customer's or agent's own
    #: address in ``X-Forwarded-For`` (sign-in limits count per address).
    forwarded_by: str | None = None
    #: The token protecting Rasa's HTTP API, when it is given (every Rasa server and desk
    #: process of a deployment shares it); else one made and kept under ``var/secrets``.
    rasa_api_token: str | None = None
    #: The token Rasa sends the action server with each call (``?token=``); the action server
    #: refuses a call without it. When not given, one made and kept under ``var/secrets``.
    actions_token: str | None = None
    #: When set, the REST channel answers only requests carrying it (``Authorization: Bearer``):
    #: REST is for a company's own systems, and lets its caller name any REST conversation.
    rest_token: str | None = None

    @classmethod
    def create(
        cls,
        *,
        home: Path,
        host: str = "127.0.0.1",
        rasa_port: int = 5005,
        actions_port: int = 5055,
        web_port: int = 8000,
        public_rasa_url: str | None = None,
        public_web_url: str | None = None,
        kb_dir: Path | None = None,
        kb_index_dir: Path | None = None,
        models_dir: Path | None = None,
        data_dir: Path | None = None,
        embedding_model: Path | None = None,
        sentiment_model: Path | None = None,
        torch_threads: int = 1,
        log_level: str = "INFO",
        database_url: str | None = None,
        tracker_url: str | None = None,
        database_pool_size: int = 5,
        encoder_precision: str = "auto",
        actions_host: str = "127.0.0.1",
        slack: SlackSettings | None = None,
        rasa_api_url: str | None = None,
        actions_api_url: str | None = None,
        redis_url: str | None = None,
        broker_url: str | None = None,
        server_name: str | None = None,
        forwarded_by: str | None = None,
        rasa_api_token: str | None = None,
        rest_token: str | None = None,
        actions_token: str | None = None,
    ) -> Settings:
        """Settings for the project folder ``home``; unset folders default to inside it."""
        ports = (("RASA_PORT", rasa_port), ("ACTIONS_PORT", actions_port), ("WEB_PORT", web_port))
        for name, port in ports:
            if not 1 <= port <= 65535:
                raise ConfigurationError(f"{PREFIX}{name} must be a port number, got {port}")
        if torch_threads < 1:
            raise ConfigurationError(f"{PREFIX}TORCH_THREADS must be at least 1")
        if encoder_precision not in ENCODER_PRECISIONS:
            raise ConfigurationError(
                f"{PREFIX}ENCODER_PRECISION must be one of {', '.join(ENCODER_PRECISIONS)}, "
                f"got {encoder_precision!r}"
            )
        if log_level.upper() not in LOG_LEVELS:
            raise ConfigurationError(
                f"{PREFIX}LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}"
            )
        if database_pool_size < 1:
            raise ConfigurationError(f"{PREFIX}DATABASE_POOL_SIZE must be at least 1")
        home = home.resolve()
        models = (models_dir or home / "models").resolve()
        data = (data_dir or home / "var").resolve()
        return cls(
            home=home,
            host=host,
            rasa_port=rasa_port,
            actions_port=actions_port,
            web_port=web_port,
            public_rasa_url=public_rasa_url.rstrip("/") if public_rasa_url else None,
            public_web_url=public_web_url.rstrip("/") if public_web_url else None,
            kb_dir=(kb_dir or home / "knowledge_base").resolve(),
            kb_index_dir=(kb_index_dir or models / "kb_index").resolve(),
            models_dir=models,
            data_dir=data,
            embedding_model=embedding_model.resolve() if embedding_model else None,
            sentiment_model=sentiment_model.resolve() if sentiment_model else None,
            torch_threads=torch_threads,
            encoder_precision=encoder_precision,
            log_level=log_level.upper(),
            database_url=_database_url(
                "DATABASE_URL", database_url or f"sqlite:///{data / 'desk.db'}", home
            ),
            tracker_url=_database_url(
                "TRACKER_URL", tracker_url or f"sqlite:///{data / 'tracker.db'}", home
            ),
            database_pool_size=database_pool_size,
            actions_host=actions_host,
            slack=slack,
            rasa_api_url=_http_url("RASA_URL", rasa_api_url),
            actions_api_url=_http_url("ACTIONS_URL", actions_api_url),
            redis_url=_redis_url(redis_url),
            broker_url=_broker_url(broker_url),
            server_name=_server_name(server_name),
            forwarded_by=_network("FORWARDED_BY", forwarded_by),
            rasa_api_token=rasa_api_token,
            rest_token=rest_token,
            actions_token=actions_token,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``SUPPORTBOT_*`` variables; unset ones take the defaults."""
        env = os.environ if environ is None else environ

        def text(name: str) -> str | None:
            value = env.get(PREFIX + name, "").strip()
            return value or None

        def path(name: str) -> Path | None:
            value = text(name)
            return Path(value).expanduser() if value else None

        def integer(name: str, default: int) -> int:
            value = text(name)
            if value is None:
                return default
            try:
                return int(value)
            except ValueError:
                raise ConfigurationError(
                    f"{PREFIX}{name} must be a whole number, got {value!r}"
                ) from None

        return cls.create(
            home=path("HOME") or Path.cwd(),
            host=text("HOST") or "127.0.0.1",
            rasa_port=integer("RASA_PORT", 5005),
            actions_port=integer("ACTIONS_PORT", 5055),
            web_port=integer("WEB_PORT", 8000),
            public_rasa_url=text("PUBLIC_RASA_URL"),
            public_web_url=text("PUBLIC_WEB_URL"),
            kb_dir=path("KB_DIR"),
            kb_index_dir=path("KB_INDEX_DIR"),
            models_dir=path("MODELS_DIR"),
            data_dir=path("DATA_DIR"),
            embedding_model=path("EMBEDDING_MODEL"),
            sentiment_model=path("SENTIMENT_MODEL"),
            torch_threads=integer("TORCH_THREADS", 1),
            encoder_precision=text("ENCODER_PRECISION") or "auto",
            log_level=text("LOG_LEVEL") or "INFO",
            database_url=text("DATABASE_URL"),
            tracker_url=text("TRACKER_URL"),
            database_pool_size=integer("DATABASE_POOL_SIZE", 5),
            actions_host=text("ACTIONS_HOST") or "127.0.0.1",
            slack=_slack_from_env(text),
            rasa_api_url=text("RASA_URL"),
            actions_api_url=text("ACTIONS_URL"),
            redis_url=text("REDIS_URL"),
            broker_url=text("RABBITMQ_URL"),
            server_name=text("SERVER_NAME"),
            forwarded_by=text("FORWARDED_BY"),
            rasa_api_token=text("RASA_API_TOKEN"),
            rest_token=text("REST_TOKEN"),
            actions_token=text("ACTIONS_TOKEN"),
        )

    @property
    def business_facts_file(self) -> Path:
        """Company name, support hours, contacts and policies: rendered into every promise."""
        return self.kb_dir / "business.yml"

    @property
    def canned_replies_file(self) -> Path:
        """Ready-made replies agents pick in the console."""
        return self.kb_dir / "canned_replies.yml"

    @property
    def search_config_file(self) -> Path:
        """Calibrated answer/decline thresholds for knowledge-base search."""
        return self.kb_dir / "search.yml"

    @property
    def sentiment_dir(self) -> Path:
        """Where ``supportbot sentiment train`` writes the built-in sentiment model."""
        return self.models_dir / "sentiment"

    @property
    def kb_encoder_cache(self) -> Path:
        """Encoders tuned on a knowledge base's phrasings, by content (shared between indexes)."""
        return self.models_dir / "kb_encoders"

    @property
    def sentiment_data_dir(self) -> Path:
        """The labelled messages it is trained on."""
        return self.home / "data" / "sentiment"

    @property
    def rasa_models_dir(self) -> Path:
        return self.models_dir / "rasa"

    @property
    def eval_set_file(self) -> Path:
        """The frozen intent evaluation set (kept apart from data/, which trains the model)."""
        return self.home / "evaluation" / "intents.yml"

    @property
    def reports_dir(self) -> Path:
        """Where the running web service writes each day's report (JSON, CSV, HTML)."""
        return self.data_dir / "reports"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    def ensure_private_data_dir(self) -> Path:
        """The data folder, created readable by this user only, as it holds conversations,
        databases, logs, reports and the API token; an existing one open to others is closed
        (when this user owns it: a deployment's mounted volume may be another's)."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.data_dir.stat().st_mode & 0o077:
            with contextlib.suppress(PermissionError):
                self.data_dir.chmod(0o700)
        return self.data_dir

    def stored_secret(self, name: str) -> str:
        """A random secret kept in ``var/secrets/<name>``: made on first use, readable by the
        owner only, the same for every process of this installation."""
        path = self.data_dir / "secrets" / name
        if path.is_file():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        token = secrets.token_urlsafe(32)
        path.write_text(token)
        path.chmod(0o600)
        return token

    @property
    def rasa_url(self) -> str:
        """Where the desk and the command line reach Rasa's HTTP API."""
        return self.rasa_api_url or f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        """Where Rasa reaches the action server."""
        host = "127.0.0.1" if self.actions_host in ("0.0.0.0", "::", "") else self.actions_host
        return self.actions_api_url or f"http://{host}:{self.actions_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def widget_bot_url(self) -> str:
        """Where browsers reach the Rasa server (differs from ``rasa_url`` behind a proxy)."""
        return self.public_rasa_url or f"http://{self.host}:{self.rasa_port}"

    @property
    def console_url(self) -> str:
        """The agent console as agents reach it (``SUPPORTBOT_PUBLIC_WEB_URL`` behind a proxy)."""
        return (self.public_web_url or self.web_url) + "/console"

    def child_environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for processes we start: these settings plus offline mode."""
        env = dict(os.environ if base is None else base)
        env.update(OFFLINE_ENVIRONMENT)
        env.update(
            {
                PREFIX + "HOME": str(self.home),
                PREFIX + "HOST": self.host,
                PREFIX + "RASA_PORT": str(self.rasa_port),
                PREFIX + "ACTIONS_PORT": str(self.actions_port),
                PREFIX + "ACTIONS_HOST": self.actions_host,
                PREFIX + "WEB_PORT": str(self.web_port),
                PREFIX + "KB_DIR": str(self.kb_dir),
                PREFIX + "KB_INDEX_DIR": str(self.kb_index_dir),
                PREFIX + "MODELS_DIR": str(self.models_dir),
                PREFIX + "DATA_DIR": str(self.data_dir),
                PREFIX + "TORCH_THREADS": str(self.torch_threads),
                # OpenMP's threads (FAISS's search, oneDNN) wait for work by spinning on a
                # core: with a pool per process they burned about 26 ms of CPU per message in
                # the action server and 7 in the Rasa server (docs/performance.md).
                "OMP_NUM_THREADS": str(self.torch_threads),
                PREFIX + "ENCODER_PRECISION": self.encoder_precision,
                PREFIX + "LOG_LEVEL": self.log_level,
                # Read by endpoints.yml, so Rasa finds our action server and tracker store.
                PREFIX + "ACTION_ENDPOINT": f"{self.actions_url}/webhook",
                # Rasa sends it with every call (endpoints.yml); the action server wants it.
                PREFIX + "ACTIONS_TOKEN": self.actions_token or self.stored_secret("actions_token"),
                PREFIX + "DATABASE_URL": self.database_url,
                PREFIX + "TRACKER_URL": self.tracker_url,
                PREFIX + "DATABASE_POOL_SIZE": str(self.database_pool_size),
                **tracker_store_environment(self.tracker_url),
            }
        )
        if self.embedding_model is not None:
            env[PREFIX + "EMBEDDING_MODEL"] = str(self.embedding_model)
        if self.sentiment_model is not None:
            env[PREFIX + "SENTIMENT_MODEL"] = str(self.sentiment_model)
        if self.public_rasa_url is not None:
            env[PREFIX + "PUBLIC_RASA_URL"] = self.public_rasa_url
        if self.public_web_url is not None:
            env[PREFIX + "PUBLIC_WEB_URL"] = self.public_web_url
        if self.rasa_api_url is not None:
            env[PREFIX + "RASA_URL"] = self.rasa_api_url
        if self.actions_api_url is not None:
            env[PREFIX + "ACTIONS_URL"] = self.actions_api_url
        if self.redis_url is not None:
            env[PREFIX + "REDIS_URL"] = self.redis_url
            env.update(lock_store_environment(self.redis_url))
        if self.broker_url is not None:
            env[PREFIX + "RABBITMQ_URL"] = self.broker_url
            env.update(event_broker_environment(self.broker_url))
        else:  # not inherited either: one box's Rasa publishes to no broker
            env.pop(PREFIX + "RABBITMQ_URL", None)
        if self.forwarded_by is not None:
            env[PREFIX + "FORWARDED_BY"] = self.forwarded_by
        if self.rasa_api_token is not None:
            env[PREFIX + "RASA_API_TOKEN"] = self.rasa_api_token
        if self.rest_token is not None:
            env[PREFIX + "REST_TOKEN"] = self.rest_token
        # Rasa's SQL tracker store keeps 50 connections (and 100 more under load) per server
        # by default: several servers would exhaust PostgreSQL's 100.
        env.setdefault("SQL_POOL_SIZE", str(self.database_pool_size))
        env.setdefault("SQL_MAX_OVERFLOW", str(self.database_pool_size * 2))
        return env


def _database_url(name: str, url: str, home: Path) -> str:
    """``url`` if it names a SQLite file or a PostgreSQL database; a relative SQLite path is
    taken relative to the project folder (every process then finds the same file)."""
    backend, database = _backend_and_database(url)
    if backend == "sqlite":
        if database in ("", ":memory:"):
            raise ConfigurationError(
                f"{PREFIX}{name}: an in-memory SQLite database cannot be shared by the servers"
            )
        path = Path(database).expanduser()
        return url if path.is_absolute() else f"sqlite:///{(home / path).resolve()}"
    if backend != "postgresql":
        raise ConfigurationError(
            f"{PREFIX}{name} must be sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE, got a "
            f"{backend or 'malformed'} URL"
        )
    if not database:
        raise ConfigurationError(f"{PREFIX}{name} must name a database (.../DATABASE)")
    return url


def _http_url(name: str, url: str | None) -> str | None:
    if url is None:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{PREFIX}{name} must be an http(s)://HOST:PORT URL, got {url!r}")
    return url.rstrip("/")


def _redis_url(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "redis" or not parts.hostname:
        raise ConfigurationError(
            f"{PREFIX}REDIS_URL must be redis://[:PASSWORD@]HOST:PORT/DB, got a "
            f"{parts.scheme or 'malformed'} URL"
        )
    try:
        int(parts.path.lstrip("/") or 0)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ConfigurationError(
            f"{PREFIX}REDIS_URL must be redis://[:PASSWORD@]HOST:PORT/DB (DB a number)"
        ) from None
    return url


def _broker_url(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
        raise ConfigurationError(
            f"{PREFIX}RABBITMQ_URL must be amqp://USER:PASSWORD@HOST:PORT/[VHOST], got a "
            f"{parts.scheme or 'malformed'} URL"
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ConfigurationError(f"{PREFIX}RABBITMQ_URL has a port that is not a number") from None
    return url


def _network(name: str, value: str | None) -> str | None:
    """An address (``10.0.0.5``) or a network (``10.0.0.0/24``)."""
    if value is None:
        return None
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ConfigurationError(
            f"{PREFIX}{name} must be an IP address or a network like 10.0.0.0/24, got {value!r}"
        ) from None
    return value


def _server_name(name: str | None) -> str | None:
    if name is not None and not re.fullmatch(r"[a-z0-9]{1,16}", name):
        raise ConfigurationError(
            f"{PREFIX}SERVER_NAME must be 1-16 lowercase letters or digits, got {name!r}"
        )
    return name


def lock_store_environment(url: str) -> dict[str, str]:
    """What ``deploy/endpoints.yml`` reads for Rasa's Redis lock store, from the one URL."""
    parts = urllib.parse.urlsplit(url)
    db = int(parts.path.lstrip("/") or 0)
    return {
        PREFIX + "REDIS_HOST": parts.hostname or "127.0.0.1",
        PREFIX + "REDIS_PORT": str(parts.port or 6379),
        PREFIX + "REDIS_USERNAME": urllib.parse.unquote(parts.username or ""),
        PREFIX + "REDIS_PASSWORD": urllib.parse.unquote(parts.password or ""),
        PREFIX + "REDIS_DB": str(db),
    }


def event_broker_environment(url: str) -> dict[str, str]:
    """What ``deploy/endpoints.yml`` reads for Rasa's RabbitMQ event broker, from the one URL
    (Rasa takes the user and password apart, and puts them back into a URL as they are: so
    they stay URL-encoded here)."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    return {
        PREFIX + "RABBITMQ_ADDRESS": f"{parts.scheme}://{parts.hostname}:{port}{parts.path or '/'}",
        PREFIX + "RABBITMQ_PORT": str(port),
        PREFIX + "RABBITMQ_USER": parts.username or "guest",
        PREFIX + "RABBITMQ_PASSWORD": parts.password or "guest",
    }


def _backend_and_database(url: str) -> tuple[str, str]:
    """(``sqlite`` / ``postgresql`` / other scheme, the database: a file or a name)."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    backend = scheme.split("+", 1)[0].lower()
    if backend == "sqlite":
        return backend, url.split("://", 1)[1].removeprefix("/").split("?", 1)[0]
    return backend, urllib.parse.urlsplit(url).path.lstrip("/")


def tracker_store_environment(url: str) -> dict[str, str]:
    """What ``endpoints.yml`` reads for Rasa's SQL tracker store, from the one URL: Rasa takes
    a whole URL in ``url``, and names the dialect and database in its log."""
    backend, database = _backend_and_database(url)
    return {PREFIX + "TRACKER_DIALECT": backend, PREFIX + "TRACKER_DB": database}


def _slack_from_env(text: Callable[[str], str | None]) -> SlackSettings | None:
    """Slack settings when both the bot token and the signing secret are set."""
    token, secret = text("SLACK_BOT_TOKEN"), text("SLACK_SIGNING_SECRET")
    if not token and not secret:
        return None
    if not token or not secret:
        raise ConfigurationError(
            f"{PREFIX}SLACK_BOT_TOKEN and {PREFIX}SLACK_SIGNING_SECRET must be set together"
        )
    granularity = (text("SLACK_CONVERSATION_GRANULARITY") or "sender").lower()
    if granularity not in SLACK_GRANULARITIES:
        choices = ", ".join(SLACK_GRANULARITIES)
        raise ConfigurationError(f"{PREFIX}SLACK_CONVERSATION_GRANULARITY must be one of {choices}")
    threads = (text("SLACK_USE_THREADS") or "true").lower()
    if threads not in {"true", "false", "1", "0", "yes", "no"}:
        raise ConfigurationError(f"{PREFIX}SLACK_USE_THREADS must be true or false")
    api_url = text("SLACK_API_URL") or "https://slack.com/api/"
    return SlackSettings(
        bot_token=token,
        signing_secret=secret,
        api_url=api_url if api_url.endswith("/") else api_url + "/",
        use_threads=threads in {"true", "1", "yes"},
        channel=text("SLACK_CHANNEL"),
        conversation_granularity=granularity,
        agent_channel=text("SLACK_AGENT_CHANNEL"),
    )
