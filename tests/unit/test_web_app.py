"""The web service through aiohttp's test server (a real HTTP server on a local port)."""

from __future__ import annotations

import asyncio
import gzip
import json
import sqlite3

import pytest
from aiohttp.test_utils import TestClient, TestServer
from multidict import CIMultiDict

from bot.language import NAMES
from bot.storage.tracker import ConversationStore
from bot.web.app import create_app
from bot.web.pages import widget_snippet
from tests.databases import rasa_events_table

SESSION = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "tracker.db"
    rasa_events_table(path)
    with sqlite3.connect(path) as db:
        for i, event in enumerate(
            [
                {"event": "user", "text": "hello <b>there</b>", "timestamp": 1.0},
                {"event": "bot", "text": "Hi!", "timestamp": 2.0, "data": {}},
            ]
        ):
            db.execute(
                "INSERT INTO events (id, sender_id, type_name, timestamp, data) VALUES (?,?,?,?,?)",
                (i + 1, SESSION, event["event"], event["timestamp"], json.dumps(event)),
            )
    return ConversationStore(f"sqlite:///{path}")


def call(app, method: str, path: str, **kwargs):
    """One request to a fresh instance of the app (an aiohttp app belongs to one event loop)."""

    async def run():
        async with TestClient(TestServer(app())) as client:
            response = await client.request(method, path, **kwargs)
            return response.status, CIMultiDict(response.headers), await response.read()

    return asyncio.run(run())


@pytest.fixture
def app(settings, store):
    return lambda: create_app(settings, store=store, company="Fernhill Outfitters")


def test_the_demo_pages_embed_the_widget_with_the_bot_url(app, settings):
    for path in ("/", "/boots"):
        status, _, body = call(app, "GET", path)
        page = body.decode()

        assert status == 200
        assert '<script src="/widget/widget.js" defer></script>' in page
        assert f'"botUrl": "{settings.widget_bot_url}"' in page


def test_an_unknown_page_is_404(app):
    assert call(app, "GET", "/admin")[0] == 404


def test_widget_assets_are_compressed_cached_and_revalidated(app):
    status, headers, body = call(
        app, "GET", "/widget/widget.js", headers={"Accept-Encoding": "gzip"}
    )

    assert status == 200
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "SupportbotConfig" in body.decode()  # aiohttp's client decompressed it
    etag = headers["ETag"]
    assert call(app, "GET", "/widget/widget.js", headers={"If-None-Match": etag})[0] == 304


def test_the_socketio_client_is_served_locally(app):
    status, _, body = call(app, "GET", "/widget/vendor/socket.io.min.js")

    assert status == 200 and b"Socket.IO v4" in body


def test_the_console_gets_the_language_names_from_the_server(app):
    status, headers, body = call(app, "GET", "/console/language-names.js")

    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
    prefix = "window.SupportLanguageNames = "
    line = next(x for x in body.decode().splitlines() if x.startswith(prefix))
    assert json.loads(line.removeprefix(prefix).rstrip(";")) == NAMES


def test_history_returns_the_transcript_for_a_session(app):
    status, headers, body = call(app, "GET", f"/widget/history/{SESSION}")

    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    messages = json.loads(body)["messages"]
    assert [(m["from"], m["text"]) for m in messages] == [
        ("customer", "hello <b>there</b>"),
        ("bot", "Hi!"),
    ]


@pytest.mark.parametrize("session", ["nope", "../../etc/passwd", SESSION.upper()])
def test_history_refuses_ids_that_are_not_ours(app, session):
    assert call(app, "GET", f"/widget/history/{session}")[0] == 404


def test_history_of_a_new_session_is_empty(app):
    status, _, body = call(app, "GET", "/widget/history/" + "f" * 32)

    assert status == 200 and json.loads(body)["messages"] == []


def test_the_widget_config_cannot_close_its_script_tag():
    snippet = widget_snippet({"title": "</script><script>alert(1)</script>"}, script_url="/w.js")

    assert snippet.count("</script>") == 2  # only the two real closing tags
    assert "\\u003c/script>" in snippet


def test_history_with_an_empty_store_is_empty(settings, tmp_path):
    store = ConversationStore(f"sqlite:///{tmp_path / 'none.db'}")

    def empty():
        return create_app(settings, store=store, company="X")

    status, _, body = call(empty, "GET", f"/widget/history/{SESSION}")

    assert status == 200 and json.loads(body)["messages"] == []


def test_gzip_is_real_compression(app):
    from bot.web.assets import load_assets

    asset = load_assets()["widget/widget.js"]

    assert gzip.decompress(asset.gzipped) == asset.body
    assert len(asset.gzipped) < len(asset.body) / 2


def test_the_widget_is_served_with_its_labels_in_each_language_of_the_catalogue(app):
    from bot.web.assets import load_assets, with_texts

    body = load_assets()["widget/widget.js"].body.decode()
    start = body.index("var TEXTS = ") + len("var TEXTS = ")
    texts, _ = json.JSONDecoder().raw_decode(body[start:])
    assert texts["en"]["open"] == "Chat with us" and texts["it"]["open"] == "Chatta con noi"
    assert texts["lt"]["person"] == "Kalbėti su žmogumi"
    assert "de" not in texts  # German has no labels: the widget is English, not mixed
    assert set(texts["it"]) == set(texts["en"])
    with pytest.raises(ValueError, match="marker"):
        with_texts(b"var TEXTS = {};")
