"""``supportbot serve KIND``: one server in the foreground, as a container runs it."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from datetime import UTC, datetime

from bot.runtime.ports import free_port
from bot.storage.leases import SqlLeases
from tests.conftest import PROJECT
from tests.integration.conftest import BIN, supportbot


def test_serve_web_migrates_its_database_and_answers(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "SUPPORTBOT_DATA_DIR": str(tmp_path / "var"),
        "SUPPORTBOT_WEB_PORT": str(port),
        "SUPPORTBOT_RASA_API_TOKEN": "a-shared-token",
    }
    server = subprocess.Popen(
        [str(BIN / "supportbot"), "serve", "web"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        answer = None
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
                    answer = reply.status
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.2)
        assert answer == 200
        assert (tmp_path / "var" / "desk.db").is_file()  # made and migrated before the start
        assert not (tmp_path / "var" / "secrets" / "rasa_api_token").exists()  # the shared one
        url = f"sqlite:///{tmp_path / 'var' / 'desk.db'}"
        assert SqlLeases(url).holder("desk-duty", now=datetime.now(UTC)) is not None
        server.terminate()  # a container's stop: the desk's duty is handed back at once
        assert server.wait(timeout=30) == 0
        assert SqlLeases(url).holder("desk-duty", now=datetime.now(UTC)) is None
    finally:
        if server.poll() is None:
            server.kill()


def test_serve_refuses_half_a_cluster_sqlite_missing_shared_tokens_and_unknown_kinds(tmp_path):
    env = {
        **os.environ,
        "SUPPORTBOT_DATA_DIR": str(tmp_path / "var"),
        "SUPPORTBOT_REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    env.pop("SUPPORTBOT_RABBITMQ_URL", None)
    half = supportbot("serve", "rasa", env=env, timeout=120)
    assert half.returncode != 0
    assert "SUPPORTBOT_RABBITMQ_URL" in half.stderr
    env["SUPPORTBOT_RABBITMQ_URL"] = "amqp://guest:guest@127.0.0.1:5672/"
    on_sqlite = supportbot("serve", "web", env=env, timeout=120)
    assert on_sqlite.returncode != 0
    assert "needs PostgreSQL" in on_sqlite.stderr
    for name in ("SUPPORTBOT_DATABASE_URL", "SUPPORTBOT_TRACKER_URL"):
        env[name] = "postgresql://supportbot:secret@127.0.0.1:5432/supportbot"
    env.pop("SUPPORTBOT_RASA_API_TOKEN", None)
    own_tokens = supportbot("serve", "web", env=env, timeout=120)
    assert own_tokens.returncode != 0
    assert "SUPPORTBOT_RASA_API_TOKEN" in own_tokens.stderr
    env["SUPPORTBOT_RASA_API_TOKEN"] = "a-shared-token"
    env.pop("SUPPORTBOT_ACTIONS_TOKEN", None)
    own_actions_token = supportbot("serve", "actions", env=env, timeout=120)
    assert own_actions_token.returncode != 0
    assert "SUPPORTBOT_ACTIONS_TOKEN" in own_actions_token.stderr
    unknown = supportbot("serve", "database", env=env, timeout=120)
    assert unknown.returncode != 0
    assert "invalid choice" in unknown.stderr
