"""How heavy the running product is: each process's resident memory, and how fast the commands
that run no model start.

* Start time: ``supportbot --help``, ``kb --help``, ``agent --help``, ``report --help``, each run
  5 times as a user runs it (a new process); the median wall time and the largest resident
  memory of the 5.
* Memory: ``supportbot run`` (the one-box default) started on free ports, 20 messages of the
  latency benchmark answered over REST so every model is loaded, then the resident memory of
  the supervisor, the Rasa server, the action server and the web service.

    .venv/bin/python -m bench.footprint      # writes bench/results/footprint.json
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import PROJECT, product_processes, rss_mb, running_product, write_result
from bench.latency import MESSAGES, say

COMMANDS = [["--help"], ["kb", "--help"], ["agent", "--help"], ["report", "--help"]]
RUNS = 5
SUPPORTBOT = str(Path(sys.executable).with_name("supportbot"))


def start(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one ``supportbot ARGV`` run."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [SUPPORTBOT, *argv], cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"supportbot {' '.join(argv)} exited {child.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def start_times() -> dict[str, Any]:
    found = {}
    for argv in COMMANDS:
        runs = [start(argv) for _ in range(RUNS)]
        found[" ".join(["supportbot", *argv])] = {
            "median_s": round(statistics.median(s for s, _ in runs), 2),
            "peak_rss_mb": round(max(m for _, m in runs)),
        }
    return found


def running_memory() -> dict[str, Any]:
    with running_product() as product:
        url = f"{product.rasa_url}/webhooks/rest/webhook"
        sender = f"bench-{uuid.uuid4().hex[:8]}"
        for text in (MESSAGES * 2)[:20]:
            say(url, sender, text)
        pids = product_processes(product.data_dir)
        memory = {role: rss_mb(pid) for role, pid in sorted(pids.items())}
    return {"rss_mb": memory, "total_rss_mb": round(sum(memory.values()))}


def main() -> None:
    write_result(
        "footprint",
        {
            "setup": f"each command run {RUNS} times as a new process; then `supportbot run` "
            "(one box) after 20 REST messages, resident memory of each process",
            "commands": start_times(),
            "running": running_memory(),
        },
    )


if __name__ == "__main__":
    main()
