"""Child processes the supervisor starts: output to a log file, health checks, clean stops."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.errors import ServiceError
from bot.runtime.training import tail

logger = logging.getLogger(__name__)


class ManagedProcess:
    """A long-running service (Rasa, the action server) started and stopped by us."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        log_path: Path,
        health_url: str,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.cwd = cwd
        self.env = dict(env)
        self.log_path = log_path
        self.health_url = health_url
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        # A new session: Ctrl-C in the terminal reaches only the supervisor, which then
        # stops the children in order instead of all of them dying at once. And should the
        # supervisor itself die, Linux stops the children too (no orphaned servers).
        self._process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        logger.info("started %s (pid %d, log %s)", self.name, self._process.pid, self.log_path)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def exit_code(self) -> int | None:
        """None while running."""
        return self._process.poll() if self._process else None

    def wait_healthy(self, *, timeout: float) -> None:
        """Wait until the health URL answers 200; raise with the log's tail if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.exit_code()
            if code is not None:
                raise ServiceError(
                    f"{self.name} stopped while starting (exit {code}):\n{tail(self.log_path)}",
                    hint=f"see {self.log_path}",
                )
            if is_healthy(self.health_url):
                return
            time.sleep(0.5)
        raise ServiceError(
            f"{self.name} did not answer at {self.health_url} within {timeout:.0f}s:\n"
            f"{tail(self.log_path)}",
            hint=f"see {self.log_path}",
        )

    def stop(self, *, grace: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if it has not stopped after ``grace`` seconds."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop in %.0fs; killing it", self.name, grace)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass
        logger.info("stopped %s", self.name)


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM when the parent dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux: the supervisor's own clean-up still applies
        pass


_PR_SET_PDEATHSIG = 1


def is_healthy(url: str, *, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False
