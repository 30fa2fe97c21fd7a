"""Static files served from memory: compressed once, cached by browsers, revalidated by ETag.

One is written here rather than kept as a file: ``console/language-names.js``, the names of
languages for the console's pages, from ``bot.language.NAMES`` (one list for Python and the
browser)."""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

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
    names = json.dumps(NAMES, ensure_ascii=False, sort_keys=True)
    script = f"// bot.language.NAMES\nwindow.SupportLanguageNames = {names};\n"
    assets["console/language-names.js"] = asset("language-names.js", script.encode())
    return assets


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
