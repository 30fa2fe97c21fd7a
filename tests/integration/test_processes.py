"""Services started by the supervisor never outlive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from tests.conftest import PROJECT


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its (dead) parent counts as gone
        return "Z" not in open(f"/proc/{pid}/stat").read().split()[2]  # noqa: PTH123
    except OSError:
        return False


def test_a_service_stops_when_the_supervisor_is_killed(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from bot.runtime.processes import ManagedProcess
        service = ManagedProcess("sleeper", ["sleep", "120"], cwd=Path("."), env={{}},
                                 log_path=Path({str(tmp_path / "sleeper.log")!r}),
                                 health_url="http://127.0.0.1:9/")
        service.start()
        print(service.pid, flush=True)
        time.sleep(120)
        """
    )
    supervisor = subprocess.Popen(
        [sys.executable, "-c", script], cwd=PROJECT, stdout=subprocess.PIPE, text=True
    )
    service_pid = int(supervisor.stdout.readline())
    assert alive(service_pid)

    supervisor.send_signal(signal.SIGKILL)
    supervisor.wait()

    deadline = time.monotonic() + 10
    while alive(service_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(service_pid)


def test_console_output_to_a_broken_pipe_does_not_raise(tmp_path):
    # As when `make run | tee log` is stopped with Ctrl-C: tee dies first.
    script = (
        "import time\n"
        "from bot.runtime.supervisor import say\n"
        "time.sleep(1)\n"
        "say('stopping ' * 20000)\n"
        f"open({str(tmp_path / 'done')!r}, 'w').write('ok')\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT, stdout=subprocess.PIPE)
    child.stdout.close()  # the reader goes away

    assert child.wait(timeout=60) == 0
    assert (tmp_path / "done").read_text() == "ok"
