"""The team's JSON API described as OpenAPI 3.0: ``openapi.yml`` beside this module (edited by
hand), served as JSON at ``GET /api/openapi.json`` to anyone (it says what the routes are, not
what is in them; the agent API's guard lets this one path through)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import yaml
from aiohttp import web

PATH = "/api/openapi.json"


def openapi_document() -> dict[str, Any]:
    """The document, read from the package's ``openapi.yml``."""
    text = resources.files("bot.web").joinpath("openapi.yml").read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def add_openapi(app: web.Application) -> None:
    """Serve the document (read once, here) at ``PATH``."""
    body = json.dumps(openapi_document(), ensure_ascii=False).encode()

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json", charset="utf-8")

    app.router.add_get(PATH, serve)
