"""The load balancer's configuration (HAProxy, Debian's package) for a ``Topology``."""

from __future__ import annotations

from bot.runtime.topology import Topology, loopback
from bot.settings import Settings

#: The cookie that keeps a chat page with the Rasa server holding its socket.io connection.
STICKY_COOKIE = "SUPPORTBOT_RASA"
#: HAProxy answers this path itself while it runs (for the supervisor's health check).
HEALTH_PATH = "/haproxy-health"


def server_name(n: int) -> str:
    """The name of Rasa server ``n`` (from 1), in its session ids and the cookie."""
    return f"r{n}"


def haproxy_config(topology: Topology, settings: Settings) -> str:
    # Here, not at the top: every command imports this module, few write the configuration.
    from bot.conversations.window import CONVERSATION_HEADER

    assert topology.proxy_port is not None
    host, port = loopback(settings.host), topology.proxy_port
    rasa = topology.rasa_ports(settings)
    lines = [
        "# Written by `supportbot run` for this topology; edits are overwritten.",
        "global",
        "    maxconn 4096",
        # Servers going down and up (not every request) go to haproxy.log.
        "    log stdout format raw local0 notice",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    timeout connect 2s",
        # socket.io's long-polling holds a request up to its ping interval (10 s); Rasa
        # answers a message within seconds; the console's WebSocket stays open.
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout tunnel 1h",
        "    timeout http-keep-alive 10s",
        # A request that could not reach a server goes to another one (never a request
        # a server has started on: it may have acted on it).
        "    retries 2",
        "    retry-on conn-failure",
        "    option forwardfor",
        "    option redispatch",
        # A server is checked every 2 s and taken out after 3 failed checks; a busy Rasa
        # server may take seconds to answer its check (its event loop is answering
        # customers), so only one that is gone, or stuck for 5 s, fails one.
        "    default-server inter 2s fall 3 rise 2",
        "    timeout check 5s",
        "",
        "frontend public",
        f"    bind {settings.host}:{port}",
        f"    monitor-uri {HEALTH_PATH}",
        # The web services see the client's own address (sign-in limits), never one the
        # client made up.
        "    http-request del-header X-Forwarded-For",
        "    acl to_rasa path_beg /socket.io /webhooks/",
        "    use_backend rasa_chat if to_rasa",
        "    default_backend web",
        "",
        "backend rasa_chat",
        "    balance roundrobin",
        # A chat page's requests go to the Rasa server that opened its session: its name
        # starts the session id (any client), and a cookie says the same (browsers on our
        # own pages). A server that is down loses its pages; they open a new session.
        f"    cookie {STICKY_COOKIE} insert indirect nocache httponly",
        *(
            f"    use-server rasa{n} if {{ urlp(sid) -m beg {server_name(n)}- }}"
            for n in range(1, len(rasa) + 1)
        ),
        "    option httpchk GET /",
        *(
            f"    server rasa{n} {host}:{p} check cookie {server_name(n)}"
            for n, p in enumerate(rasa, start=1)
        ),
        "",
        "backend web",
        "    balance roundrobin",
        "    option httpchk GET /health",
        *(
            f"    server web{n} {host}:{p} check"
            for n, p in enumerate(topology.web_ports(settings), start=1)
        ),
        "",
        "# Internal: the desk reaches Rasa's HTTP API, Rasa reaches the action servers.",
        "frontend rasa_internal",
        f"    bind 127.0.0.1:{port + 1}",
        "    default_backend rasa_api",
        "",
        "backend rasa_api",
        "    balance leastconn",
        "    option httpchk GET /",
        *(f"    server rasa{n} {host}:{p} check" for n, p in enumerate(rasa, start=1)),
        "",
        "frontend actions_internal",
        f"    bind 127.0.0.1:{port + 2}",
        "    default_backend actions",
        "",
        "backend actions",
        # Each conversation's calls go to the same action server, which keeps its earlier
        # events (bot/conversations/window.py); calls without the header go round.
        f"    balance hdr({CONVERSATION_HEADER})",
        "    hash-type consistent",
        "    option httpchk GET /health",
        *(
            f"    server actions{n} {loopback(settings.actions_host)}:{p} check"
            for n, p in enumerate(topology.action_ports(settings), start=1)
        ),
    ]
    return "\n".join(lines) + "\n"
