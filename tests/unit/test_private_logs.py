"""Logs name conversations by a reference, and the web access log writes no tokens or ids."""

from __future__ import annotations

import ast
import asyncio
import logging

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.privacy.log_ids import conversation_ref
from bot.web.access_log import PrivateAccessLogger, loggable_path
from tests.conftest import PROJECT

SESSION = "4f1c2b9e8a7d4c3b9f0e1d2c3b4a5968"


def test_a_conversation_reference_is_stable_short_and_not_the_id() -> None:
    ref = conversation_ref(SESSION)
    assert ref == conversation_ref(SESSION) != conversation_ref(SESSION + "x")
    assert ref.startswith("c-") and len(ref) == 14 and SESSION[:6] not in ref


def test_paths_with_a_conversation_id_are_logged_with_its_reference() -> None:
    assert loggable_path(f"/widget/history/{SESSION}") == (
        f"/widget/history/{conversation_ref(SESSION)}"
    )
    assert loggable_path(f"/api/dashboard/conversations/{SESSION}") == (
        f"/api/dashboard/conversations/{conversation_ref(SESSION)}"
    )
    assert loggable_path("/api/handoffs/12/claim") == "/api/handoffs/12/claim"
    file_id = "f" * 32  # a website file's id opens it: a secret too
    assert loggable_path(f"/widget/files/{file_id}") == f"/widget/files/{conversation_ref(file_id)}"
    assert loggable_path(f"/widget/attachments/{SESSION}") == (
        f"/widget/attachments/{conversation_ref(SESSION)}"
    )


def test_the_access_log_writes_neither_tokens_nor_conversation_ids(caplog) -> None:
    async def anything(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def run() -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", anything)
        server = TestServer(app)
        await server.start_server(access_log_class=PrivateAccessLogger)  # as bot.web runs it
        async with TestClient(server) as client:
            await client.get("/api/live", params={"token": "secret-bearer-token"})
            await client.get(f"/widget/history/{SESSION}")

    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        asyncio.run(run())
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) == 2
    assert '"GET /api/live" 200' in lines[0]
    assert conversation_ref(SESSION) in lines[1]
    assert not any("secret-bearer-token" in line or SESSION in line for line in lines)


def test_no_log_call_in_the_code_is_given_a_conversation_or_connection_id() -> None:
    """Every logger call in bot/ and actions/: a conversation id goes through
    ``conversation_ref``; Engine.IO session ids (``sid``) are not logged at all."""
    secret_names = {"sender_id", "conversation_id", "session_id", "sid"}
    levels = {"debug", "info", "warning", "error", "exception", "critical"}
    found = []
    for root in ("bot", "actions"):
        for path in sorted((PROJECT / root).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in levels
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in {"logger", "logging", "structlogger"}
                ):
                    continue
                for argument in node.args[1:]:
                    name = getattr(argument, "attr", getattr(argument, "id", None))
                    if name in secret_names:
                        found.append(f"{path.relative_to(PROJECT)}:{node.lineno}")
    assert found == []
