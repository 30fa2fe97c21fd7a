"""The real action server (``python -m actions``) over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from bot.knowledge import build_index
from bot.runtime.ports import free_port
from tests.conftest import PROJECT

pytestmark = pytest.mark.model
#: What Rasa sends with each call (endpoints.yml); the action server refuses calls without it.
TOKEN = "integration-actions-token"


def action_server_env(tmp_path, kb_dir, index_dir, port):
    return {
        **os.environ,
        "SUPPORTBOT_KB_DIR": str(kb_dir),
        "SUPPORTBOT_KB_INDEX_DIR": str(index_dir),
        "SUPPORTBOT_DATA_DIR": str(tmp_path / "var"),
        "SUPPORTBOT_ACTIONS_PORT": str(port),
        "SUPPORTBOT_ACTIONS_TOKEN": TOKEN,
    }


def start_action_server(tmp_path, kb_dir, index_dir) -> subprocess.CompletedProcess[str]:
    """Run ``python -m actions`` until it exits (for the cases where it must refuse to start)."""
    return subprocess.run(
        [sys.executable, "-m", "actions"],
        cwd=PROJECT,
        env=action_server_env(tmp_path, kb_dir, index_dir, free_port()),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_action_server_refuses_to_start_without_an_index(tmp_path, kb_copy):
    result = start_action_server(tmp_path, kb_copy, tmp_path / "missing")

    assert result.returncode == 2
    assert "no knowledge-base index" in result.stderr
    assert "supportbot kb build" in result.stderr


def test_the_action_server_refuses_a_stale_index(tmp_path, kb_copy, minilm, encoder_cache):
    build_index(kb_copy, tmp_path / "index", embedder=minilm, encoder_cache=encoder_cache)
    article = kb_copy / "orders" / "orders-cancel.md"
    article.write_text(article.read_text() + "\nAlso by phone.\n")

    result = start_action_server(tmp_path, kb_copy, tmp_path / "index")

    assert result.returncode == 2
    assert "changed since the index was built" in result.stderr


@pytest.fixture
def action_server(tmp_path, kb_copy, minilm, encoder_cache):
    build_index(kb_copy, tmp_path / "index", embedder=minilm, encoder_cache=encoder_cache)
    port = free_port()
    log = (tmp_path / "actions.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "actions"],
        cwd=PROJECT,
        env=action_server_env(tmp_path, kb_copy, tmp_path / "index", port),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1)
            break
        except OSError:
            assert process.poll() is None, (tmp_path / "actions.log").read_text()
            time.sleep(0.5)
    yield url
    process.terminate()
    process.wait(timeout=30)


def call(url: str, action: str, text: str, intent: str, *, token: str | None = TOKEN) -> dict:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    body = {
        "next_action": action,
        "sender_id": "integration-1",
        "tracker": {
            "sender_id": "integration-1",
            "slots": {},
            "latest_message": message,
            "events": [{"event": "user", "text": text, "parse_data": message}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {},
        "version": "3.6.21",
    }
    request = urllib.request.Request(
        f"{url}/webhook" + (f"?token={token}" if token is not None else ""),
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_action_server_answers_from_the_knowledge_base_over_http(action_server):
    result = call(
        action_server,
        "action_answer_from_knowledge_base",
        "can I pay with klarna",
        "ask_payment_methods",
    )

    assert "Klarna" in result["responses"][0]["text"]
    slots = {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}
    assert slots["last_article"] == "payments-instalments"


def test_the_action_server_declines_what_the_knowledge_base_cannot_answer(action_server):
    result = call(
        action_server,
        "action_answer_from_knowledge_base",
        "what is the capital of peru",
        "ask_store_policy",
    )

    texts = " ".join(r.get("text") or "" for r in result["responses"])
    assert "couldn't find an answer" in texts
    buttons = [b["payload"] for r in result["responses"] for b in r.get("buttons") or []]
    assert "/request_human" in buttons


def test_an_edited_article_reaches_the_running_action_server(
    action_server, tmp_path, kb_copy, minilm
):
    article = kb_copy / "payments" / "payments-instalments.md"
    article.write_text(
        article.read_text().replace(
            "in 3 interest-free instalments", "in 4 interest-free instalments"
        )
    )
    build_index(
        kb_copy, tmp_path / "index", embedder=minilm
    )  # what `supportbot run` does on an edit
    time.sleep(2.5)  # the searcher looks at the manifest at most every 2 s

    result = call(
        action_server,
        "action_answer_from_knowledge_base",
        "can I pay with klarna",
        "ask_payment_methods",
    )

    assert "4 interest-free instalments" in result["responses"][0]["text"]


@pytest.mark.parametrize("token", [None, "", "not-the-token"], ids=["none", "empty", "wrong"])
def test_the_action_server_refuses_calls_without_rasas_token(action_server, token):
    with pytest.raises(urllib.error.HTTPError) as refused:
        call(action_server, "action_answer_from_knowledge_base", "klarna?", "ask_payment_methods",
             token=token)  # fmt: skip

    assert refused.value.code == 401
    assert urllib.request.urlopen(f"{action_server}/health", timeout=5).status == 200
