"""How many of each server ``supportbot run`` starts, and where each listens.

One box (the default, ``make run``): one Rasa server, one action server and one web service
on their own ports (5005, 5055, 8000), SQLite, no other server.

A cluster (``supportbot run --rasa N --actions M --web K --proxy-port P``, ``make
run-cluster``): Rasa's own distributed setup on one machine. N Rasa servers (ports 5005,
5006, ...), M action servers (5055, 5056, ...) and K web services (8000, 8001, ...) behind one
load balancer (HAProxy), which is the one public address, ``127.0.0.1:P``:

* ``/socket.io`` and ``/webhooks/...`` go to the Rasa servers (a chat page stays with the
  server that holds its socket.io session, named in the session id), everything else to the
  web services;
* ``127.0.0.1:P+1`` reaches the Rasa servers' HTTP API for the desk (always on 127.0.0.1,
  whatever ``SUPPORTBOT_HOST`` is: never public);
* ``127.0.0.1:P+2`` reaches the action servers for the Rasa servers (the same).

The Rasa servers share PostgreSQL (tracker store), Redis (Rasa's lock store, socket.io's
manager) and the desk's database; the web services share the database and take turns at the
desk's timed work (``bot.desk.duty``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.errors import ConfigurationError
from bot.settings import Settings

#: The most servers of one kind ``supportbot run`` starts on one machine.
MOST_PER_KIND = 8


@dataclass(frozen=True)
class Topology:
    rasa: int = 1
    actions: int = 1
    web: int = 1
    proxy_port: int | None = None  # None: one box, no load balancer

    @property
    def clustered(self) -> bool:
        return self.proxy_port is not None

    @classmethod
    def choose(
        cls, *, rasa: int = 1, actions: int = 1, web: int = 1, proxy_port: int | None = None
    ) -> Topology:
        """The topology asked for: a cluster when any size is above one or a proxy port is
        given (the proxy then defaults to 8080)."""
        for name, count in (("--rasa", rasa), ("--actions", actions), ("--web", web)):
            if not 1 <= count <= MOST_PER_KIND:
                raise ConfigurationError(f"{name} must be between 1 and {MOST_PER_KIND}")
        if proxy_port is None and max(rasa, actions, web) > 1:
            proxy_port = 8080
        if proxy_port is not None and not 1 <= proxy_port <= 65533:
            raise ConfigurationError("--proxy-port must be a port number (it uses the next two)")
        return cls(rasa=rasa, actions=actions, web=web, proxy_port=proxy_port)

    def rasa_ports(self, settings: Settings) -> list[int]:
        return [settings.rasa_port + n for n in range(self.rasa)]

    def action_ports(self, settings: Settings) -> list[int]:
        return [settings.actions_port + n for n in range(self.actions)]

    def web_ports(self, settings: Settings) -> list[int]:
        return [settings.web_port + n for n in range(self.web)]

    def settings_for(self, settings: Settings) -> Settings:
        """The settings every server of the cluster gets: the others reached through the
        load balancer. Checks what a cluster needs (PostgreSQL, Redis, RabbitMQ)."""
        if not self.clustered:  # one box: its Rasa server publishes to no broker
            if settings.broker_url is None:
                return settings
            return dataclasses.replace(settings, broker_url=None)
        assert self.proxy_port is not None
        cluster_needs(
            settings, hint="make run-cluster installs and starts it (see the README's Scaling out)"
        )
        ports = [
            *self.rasa_ports(settings),
            *self.action_ports(settings),
            *self.web_ports(settings),
        ]
        own = {self.proxy_port, self.proxy_port + 1, self.proxy_port + 2}
        twice = {p for p in ports if ports.count(p) > 1}
        clash = sorted(own.intersection(ports) | twice)
        if clash:
            raise ConfigurationError(
                f"port {clash[0]} would be used twice: choose other ports "
                "(SUPPORTBOT_RASA_PORT, SUPPORTBOT_ACTIONS_PORT, SUPPORTBOT_WEB_PORT, --proxy-port)"
            )
        public = f"http://{loopback(settings.host)}:{self.proxy_port}"
        return dataclasses.replace(
            settings,
            public_rasa_url=settings.public_rasa_url or public,
            public_web_url=settings.public_web_url or public,
            rasa_api_url=f"http://127.0.0.1:{self.proxy_port + 1}",
            actions_api_url=f"http://127.0.0.1:{self.proxy_port + 2}",
            forwarded_by="127.0.0.1",
        )


def cluster_needs(settings: Settings, *, hint: str) -> None:
    """Refuse settings on which several servers cannot work together: each needs Redis,
    RabbitMQ and PostgreSQL (a ``ConfigurationError`` says which is missing, and how)."""
    if settings.redis_url is None:
        raise ConfigurationError(
            "a cluster needs Redis (Rasa's lock store, the shared socket.io manager): "
            "set SUPPORTBOT_REDIS_URL, e.g. redis://127.0.0.1:6379/0",
            hint=hint,
        )
    if settings.broker_url is None:
        raise ConfigurationError(
            "a cluster needs RabbitMQ (Rasa's event broker, the desk's live feed): "
            "set SUPPORTBOT_RABBITMQ_URL, e.g. amqp://guest:guest@127.0.0.1:5672/",
            hint=hint,
        )
    for name, url in (
        ("SUPPORTBOT_DATABASE_URL", settings.database_url),
        ("SUPPORTBOT_TRACKER_URL", settings.tracker_url),
    ):
        if not url.startswith("postgresql"):
            raise ConfigurationError(
                f"a cluster needs PostgreSQL: set {name} to postgresql://USER:PASSWORD@"
                "HOST:PORT/DATABASE (several servers cannot share a SQLite file safely)",
                hint=hint,
            )


def loopback(host: str) -> str:
    """Where this machine's own servers are reached when they listen on ``host``."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
