"""Ports chosen for servers that start later stay out of the range outgoing connections use."""

from __future__ import annotations

import socket

import pytest

from bot.runtime import ports


def test_ports_are_outside_the_ephemeral_range_free_and_never_given_twice():
    low, high = ports.ephemeral_range()
    firsts = [ports.consecutive_ports(3) for _ in range(40)]
    given = [port for first in firsts for port in range(first, first + 3)]
    assert len(set(given)) == len(given)
    assert all(not low <= port <= high and port >= 10_000 for port in given)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports.free_port()))


def test_a_port_in_use_is_never_given(monkeypatch):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        taken = busy.getsockname()[1]
        monkeypatch.setattr(ports._random, "randrange", lambda start, stop: taken)
        with pytest.raises(RuntimeError, match="no 1 consecutive free ports"):
            ports.free_port()


def test_the_wider_side_of_the_ephemeral_range_is_used(tmp_path, monkeypatch):
    config = tmp_path / "ip_local_port_range"
    config.write_text("12000\t60000\n")
    monkeypatch.setattr(ports, "_EPHEMERAL", config)
    assert ports.ephemeral_range() == (12000, 60000)
    assert ports.free_port() > 60000
    config.write_text("1024 65535\n")
    with pytest.raises(RuntimeError, match="no room"):
        ports.free_port()
    config.write_text("not numbers")
    assert ports.ephemeral_range() == (32768, 60999)
