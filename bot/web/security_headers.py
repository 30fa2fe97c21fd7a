"""The headers every response of the web service carries, against content sniffing, leaking
addresses in referrers, framing (clickjacking) and injected script.

* Every response: ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy``.
* The console and the agent, review, complaints and dashboard API (``/console``, ``/api``): a
  strict Content-Security-Policy (only our own scripts, styles and connections: the console has
  no inline script or style), ``frame-ancestors 'none'``, no referrer at all.
* The demo shop pages (``/``, ``/boots``) and the widget's files are the company's own website
  in a real deployment, embedded anywhere: they get the first two only.

Behind the load balancer (``SUPPORTBOT_FORWARDED_BY``) a request that reached the balancer over
https says so in ``X-Forwarded-Proto``; ``bot.web.app`` then treats it as secure, so the
console's session cookie is sent with ``Secure``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

#: The console loads only its own files and talks only to its own origin (HTTP and WebSocket).
CONSOLE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' {websocket}; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
PRIVATE_PREFIXES = ("/console", "/api")


def is_private(path: str) -> bool:
    """The console's pages and the team's API (not the public shop pages or widget files)."""
    return any(path == p or path.startswith(p + "/") for p in PRIVATE_PREFIXES)


def security_headers() -> Any:
    """aiohttp middleware adding the headers above to every response, errors included."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as exc:  # 404s and the like are responses too
            _add(exc, request)
            raise
        _add(response, request)
        return response

    return middleware


def _add(response: web.StreamResponse, request: web.Request) -> None:
    if response.prepared:  # a WebSocket or stream already under way
        return
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if is_private(request.path):
        scheme = "wss" if request.secure else "ws"
        policy = CONSOLE_POLICY.format(websocket=f"{scheme}://{request.host}")
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
    else:
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
