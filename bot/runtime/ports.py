"""Free local ports for a server that starts a moment later (``rasa shell``, tests, benchmarks).

A port chosen by binding to port 0 comes from the kernel's ephemeral range, the same range
every outgoing connection takes its own port from. Between choosing it and the server binding
it, a connection to PostgreSQL, Redis or RabbitMQ from another process can take it ("address
already in use"). So ports are chosen below (or above) that range, where no connection is
given one, and never twice by one process.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10_000  # below: well-known services (PostgreSQL 5432, Redis 6379, RabbitMQ 5672)
_given: set[int] = set()
#: Not the shared ``random``: a test that seeds it must not make processes choose alike.
_random = random.SystemRandom()


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for outgoing connections' ports (Linux's default if unreadable)."""
    try:
        low, high = (int(part) for part in _EPHEMERAL.read_text().split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high


def consecutive_ports(count: int = 1) -> int:
    """The first of ``count`` consecutive ports free on 127.0.0.1, outside the ephemeral range
    and not given before by this process."""
    low, high = ephemeral_range()
    below, above = (_LOWEST, low), (high + 1, 65536)
    start, stop = max(below, above, key=lambda span: span[1] - span[0])
    if stop - start < count:
        raise RuntimeError(f"no room for {count} ports outside the ephemeral range {low}-{high}")
    for _ in range(200):
        first = _random.randrange(start, stop - count + 1)
        ports = range(first, first + count)
        if _given.isdisjoint(ports) and all(_free(port) for port in ports):
            _given.update(ports)
            return first
    raise RuntimeError(f"no {count} consecutive free ports between {start} and {stop - 1}")


def free_port() -> int:
    """One port free on 127.0.0.1 (see ``consecutive_ports``)."""
    return consecutive_ports(1)


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
