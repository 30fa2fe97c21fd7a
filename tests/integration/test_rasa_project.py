"""Rasa's own checks of our training data and domain, and the training cache."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bot.runtime.training import rasa_executable, training_fingerprint
from bot.settings import Settings
from tests.conftest import PROJECT

pytestmark = pytest.mark.rasa


def test_rasa_data_validate_is_clean():
    result = subprocess.run(
        [rasa_executable(), "data", "validate", "--fail-on-warnings"],
        cwd=PROJECT,
        env=Settings.create(home=PROJECT).child_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture
def project_copy(tmp_path):
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT / name, tmp_path / name)
    shutil.copytree(PROJECT / "data", tmp_path / "data")
    shutil.copytree(PROJECT / "bot", tmp_path / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_training_fingerprint_changes_only_with_training_inputs(project_copy):
    settings = Settings.create(home=project_copy)
    before = training_fingerprint(settings)

    (project_copy / "README.md").write_text("docs do not shape the model")
    (project_copy / "bot" / "cli" / "output.py").write_text("# the CLI does not either\n")
    assert training_fingerprint(settings) == before

    nlu = project_copy / "data" / "nlu" / "orders.yml"
    nlu.write_text(
        nlu.read_text().replace(
            "    - track my order\n", "    - track my order\n    - trace my order\n"
        )
    )
    after_data = training_fingerprint(settings)
    assert after_data != before

    component = project_copy / "bot" / "nlu" / "message_cleaner.py"
    component.write_text(component.read_text() + "\n# changed\n")
    after_component = training_fingerprint(settings)
    assert after_component != after_data

    model_code = project_copy / "bot" / "intents" / "model.py"
    model_code.write_text(model_code.read_text() + "\n# changed\n")
    assert training_fingerprint(settings) != after_component
