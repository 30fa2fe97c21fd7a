"""Build steps run as child processes: their output is logged, their progress passed on."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.runtime.training import run_logged
from bot.settings import Settings


def child(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_run_logged_relays_progress_lines_as_they_come_and_logs_everything(tmp_path) -> None:
    settings = Settings.create(home=tmp_path, data_dir=tmp_path / "var")
    log = tmp_path / "step.log"
    relayed: list[str] = []
    code = (
        "import sys\n"
        "print('loading weights', flush=True)\n"
        "print('training: 50% done, 10s so far, about 10s left', file=sys.stderr, flush=True)\n"
        "print('{\"done\": true}')\n"
    )
    assert run_logged(child(code), settings, log, relay=relayed.append) == 0
    assert relayed == ["training: 50% done, 10s so far, about 10s left"]
    assert log.read_text().splitlines() == [
        "loading weights",
        "training: 50% done, 10s so far, about 10s left",
        '{"done": true}',
    ]


def test_run_logged_returns_the_exit_code_and_kills_a_step_past_its_timeout(tmp_path) -> None:
    settings = Settings.create(home=tmp_path, data_dir=tmp_path / "var")
    assert run_logged(child("raise SystemExit(3)"), settings, tmp_path / "a.log") == 3
    with pytest.raises(subprocess.TimeoutExpired):
        run_logged(child("import time; time.sleep(60)"), settings, tmp_path / "b.log", timeout=0.5)
