"""Fresh-clone timings of the two README commands.

1. ``git clone`` the current commit, ``make run``, and time until the bot's first answer over
   REST (install, knowledge-base index, Rasa training and start-up included); then Ctrl-C.
2. Another fresh clone: ``make test``, timed end to end (install included).

Python packages come from the package index through pip's cache, as on a machine that has
installed them before; a machine with a cold cache adds the download time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import PROJECT, write_result

QUESTION = "how do I return an item?"


def clone(target: Path) -> str:
    subprocess.run(["git", "clone", "--quiet", str(PROJECT), str(target)], check=True)
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=target,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("SUPPORTBOT_", "VIRTUAL_ENV"))}


def time_make_run(workdir: Path) -> dict[str, object]:
    log_path = workdir / "make-run.log"
    log = log_path.open("w")
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "run"], cwd=workdir, env=clean_env(), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        while True:
            text = log_path.read_text(errors="replace")
            if "supportbot is running" in text:
                break
            if process.poll() is not None or time.monotonic() - started > 3600:
                raise RuntimeError(text[-3000:])
            time.sleep(1)
        url = re.search(r"POST (http://\S+/webhooks/rest/webhook)", text)
        assert url, text[-2000:]
        request = urllib.request.Request(
            url.group(1),
            data=json.dumps({"sender": "fresh", "message": QUESTION}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = json.loads(response.read())
        first_answer = time.monotonic() - started
        assert replies and "Return items" in replies[0]["text"], replies
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=120)
    return {
        "seconds_until_first_answer": round(first_answer, 1),
        "first_answer": replies[0]["text"][:80],
    }


def time_make_test(workdir: Path) -> dict[str, object]:
    started = time.monotonic()
    completed = subprocess.run(
        ["make", "test"], cwd=workdir, env=clean_env(), capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    summary = [
        line for line in completed.stdout.splitlines() if " passed" in line or " failed" in line
    ]
    return {"seconds": round(seconds, 1), "exit_code": completed.returncode, "pytest": summary[-1:]}


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="supportbot-fresh-"))
    try:
        run_dir, test_dir = root / "run", root / "test"
        commit = clone(run_dir)
        run = time_make_run(run_dir)
        print("make run:", run, flush=True)
        clone(test_dir)
        test = time_make_test(test_dir)
        print("make test:", test, flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    write_result(
        "fresh_machine",
        {
            "commit": commit,
            "make_run": run,
            "make_test": test,
            "note": "fresh git clone each; pip's download cache warm (see module docstring)",
        },
    )


if __name__ == "__main__":
    main()
