"""Static files served from memory: compressed once, cached by browsers, revalidated by ETag.

One is written here rather than kept as a file: ``console/language-names.js``, the names of
languages for the console's pages, from ``bot.language.NAMES`` (one list for Python and the
browser). And the widget's labels in each language are written into ``widget/widget.js`` from
the message catalogue (``bot.catalogue``, its ``widget`` keys)."""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.catalogue import languages, section
from bot.language import NAMES

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def load_assets(root: Path = STATIC) -> dict[str, Asset]:
    """Every file under ``root`` by its relative path (``widget/widget.js``, ...), and the
    ones written here."""
    assets = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix in {".md", ".txt"}:
            continue
        assets[path.relative_to(root).as_posix()] = asset(path.name, path.read_bytes())
    widget = assets["widget/widget.js"]
    assets["widget/widget.js"] = asset("widget.js", with_texts(widget.body))
    names = json.dumps(NAMES, ensure_ascii=False, sort_keys=True)
    script = f"// bot.language.NAMES\nwindow.SupportLanguageNames = {names};\n"
    assets["console/language-names.js"] = asset("language-names.js", script.encode())
    return assets


def with_texts(widget: bytes) -> bytes:
    """The widget's script with its labels in every language of the catalogue written in."""
    texts = {language: section("widget", language) for language in languages()}
    said = {language: words for language, words in texts.items() if words}
    marker = b"{/* widget texts */}"
    if widget.count(marker) != 1:
        raise ValueError("widget.js must hold the marker " + marker.decode() + " once")
    return widget.replace(marker, json.dumps(said, ensure_ascii=False, sort_keys=True).encode())


def asset(name: str, body: bytes) -> Asset:
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=utf-8"
    return Asset(
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        content_type=content_type,
        etag='"' + hashlib.sha256(body).hexdigest()[:20] + '"',
    )


def serve(asset: Asset, request: web.Request, *, max_age: int = 3600) -> web.Response:
    headers = {
        "ETag": asset.etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept-Encoding",
        "Access-Control-Allow-Origin": "*",  # the widget may be embedded on any site
    }
    if asset.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
        body = asset.gzipped
    else:
        body = asset.body
    return web.Response(body=body, headers={**headers, "Content-Type": asset.content_type})
