"""The data folder (conversations, databases, logs, reports, the API token) is the owner's
only, from the first command that creates it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT


def test_the_first_command_creates_the_data_folder_for_its_owner_only(tmp_path):
    data = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env |= {"SUPPORTBOT_HOME": str(PROJECT), "SUPPORTBOT_DATA_DIR": str(data)}
    supportbot = str(Path(sys.executable).with_name("supportbot"))
    subprocess.run(
        [supportbot, "agent", "list"], env=env, cwd=PROJECT, check=True, capture_output=True
    )
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "desk.db").is_file()
