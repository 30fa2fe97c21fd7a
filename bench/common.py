"""What every benchmark shares: where results go and a description of the machine."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.runtime.ports import free_port

PROJECT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT / "bench" / "results"


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "benchmark": name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **data,
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(PROJECT)}")
    return path


def supportbot_json(*args: str) -> dict[str, Any]:
    """Run a ``supportbot`` command as a user would; its result is the last line of stdout."""
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("supportbot")), *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(pct) - 1]


def product_processes(data_dir: Path) -> dict[str, int]:
    """The processes of a product started by ``running_product`` (found by its data folder):
    ``supervisor``, ``rasa``, ``actions`` and ``web``, each its pid."""
    found: dict[str, int] = {}
    marker = f"SUPPORTBOT_DATA_DIR={data_dir}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker not in environ:
            continue
        if "supportbot run" in command:
            found["supervisor"] = int(entry.name)
        elif "bot.rasa_server.launch run" in command:
            found["rasa"] = int(entry.name)
        elif "-m actions" in command:
            found["actions"] = int(entry.name)
        elif "-m bot.web" in command:
            found["web"] = int(entry.name)
    return found


def rss_mb(pid: int) -> float:
    """A process's resident memory now, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


@dataclass(frozen=True)
class Product:
    rasa_url: str
    web_url: str
    data_dir: Path


@contextlib.contextmanager
def running_product(**extra_env: str) -> Iterator[Product]:
    """``supportbot run`` on free ports with a private data folder; stopped with Ctrl-C after.

    ``extra_env``: more ``SUPPORTBOT_*`` settings (e.g. a knowledge-base copy)."""
    root = Path(tempfile.mkdtemp(prefix="supportbot-bench-"))
    rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_SLACK")},
        "SUPPORTBOT_RASA_PORT": str(rasa_port),
        "SUPPORTBOT_ACTIONS_PORT": str(actions_port),
        "SUPPORTBOT_WEB_PORT": str(web_port),
        "SUPPORTBOT_KB_INDEX_DIR": str(root / "kb_index"),
        "SUPPORTBOT_DATA_DIR": str(root / "var"),
        **extra_env,
    }
    log_path = root / "run.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("supportbot")), "run"],
            cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 600
        while "supportbot is running" not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log_path.read_text()[-3000:])
            time.sleep(1)
        yield Product(
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            web_url=f"http://127.0.0.1:{web_port}",
            data_dir=root / "var",
        )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
        shutil.rmtree(root, ignore_errors=True)
