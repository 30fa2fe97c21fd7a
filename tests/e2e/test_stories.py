"""Rasa's test stories (tests/stories/) against the trained model, NLU included (--e2e)."""

from __future__ import annotations

import subprocess

import pytest

from bot.runtime.training import ensure_trained, rasa_executable
from bot.settings import Settings
from tests.conftest import PROJECT

pytestmark = pytest.mark.rasa


def test_the_test_stories_pass(tmp_path):
    settings = Settings.create(home=PROJECT, data_dir=tmp_path / "var")
    model = ensure_trained(settings)

    command = [
        rasa_executable(), "test", "core", "--e2e",
        "--stories", "tests/stories",
        "--model", str(model),
        "--out", str(tmp_path / "results"),
        "--fail-on-prediction-errors", "--no-plot",
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=PROJECT,
        env=settings.child_environment(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    output = result.stdout + result.stderr
    assert "Evaluating 0 stories" not in output
    # Rasa prints the failed story (with the wrong prediction) at the start of stdout.
    assert result.returncode == 0, result.stdout[:3000] + result.stderr[-2000:]
