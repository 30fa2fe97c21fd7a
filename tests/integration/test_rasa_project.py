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

    def fingerprint() -> str:
        return training_fingerprint(settings, sources=project_copy)

    before = fingerprint()

    (project_copy / "README.md").write_text("docs do not shape the model")
    (project_copy / "bot" / "cli" / "output.py").write_text("# the CLI does not either\n")
    assert fingerprint() == before

    nlu = project_copy / "data" / "nlu" / "orders.yml"
    nlu.write_text(
        nlu.read_text().replace(
            "    - track my order\n", "    - track my order\n    - trace my order\n"
        )
    )
    after_data = fingerprint()
    assert after_data != before

    component = project_copy / "bot" / "rasa_server" / "nlu" / "message_cleaner.py"
    component.write_text(component.read_text() + "\n# changed\n")
    after_component = fingerprint()
    assert after_component != after_data

    model_code = project_copy / "bot" / "intents" / "model.py"
    model_code.write_text(model_code.read_text() + "\n# changed\n")
    assert fingerprint() != after_component


def test_our_code_is_fingerprinted_where_it_is_installed_not_in_the_project(tmp_path):
    """A project folder without our source (SUPPORTBOT_HOME elsewhere) trains the same model."""
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT / name, tmp_path / name)
    shutil.copytree(PROJECT / "data", tmp_path / "data")

    elsewhere = training_fingerprint(Settings.create(home=tmp_path))

    assert elsewhere == training_fingerprint(Settings.create(home=PROJECT))
