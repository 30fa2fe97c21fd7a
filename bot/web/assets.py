"""Static files served from memory: compressed once, cached by browsers, revalidated by ETag."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def load_assets(root: Path = STATIC) -> dict[str, Asset]:
    """Every file under ``root`` by its relative path (``widget/widget.js``, ...)."""
    assets = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix in {".md", ".txt"}:
            continue
        body = path.read_bytes()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        assets[path.relative_to(root).as_posix()] = Asset(
            body=body,
            gzipped=gzip.compress(body, compresslevel=9, mtime=0),
            content_type=content_type,
            etag='"' + hashlib.sha256(body).hexdigest()[:20] + '"',
        )
    return assets


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
