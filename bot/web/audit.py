"""The team's audit log at the web edge: every console or API request that read one customer's
record or changed anything is recorded (who, what, when, the answer's status), and admins read
the log at ``GET /api/audit?actor=NAME&before=ID&limit=N``.

Recorded: every change (any method but GET, HEAD and OPTIONS; signing in is not a change by a
known user, nor is telling a customer the agent is typing), and the reads of one record: a
handoff with its transcript, a complaint, a dashboard conversation, a review group, the
articles suggested for a conversation, a file sent in one, the review and audit logs, and each
opening of the live feed (which streams customers' messages). Lists, searches, counts and the
console's own files are not. Paths are kept as the access log writes them (conversation ids as
references), and never a query string.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.accounts import Role, Session
from bot.storage.audit import AuditEntry, SqlAuditLog
from bot.web.access_log import loggable_path
from bot.web.agent_api import SESSION_KEY

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
READS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Reads of one record: ``/api/<area>/<kind>/<id>`` or ``/api/<kind>/<id>``.
_ONE_RECORD = re.compile(
    r"^/api/(handoffs|complaints|dashboard/conversations|review/items)/[^/]+"
    r"(/suggestions|/attachments/[^/]+)?$"
)
#: "The agent is typing", sent every 2 s while they type: changes nothing, reads nothing.
_TYPING = re.compile(r"^/api/handoffs/[^/]+/typing$")
_WHOLE_LOGS = frozenset({"/api/live", "/api/audit", "/api/review/audit"})
MAX_LIMIT = 500
#: The largest id an entry can have (PostgreSQL's integer).
MAX_ID = 2**31 - 1


def worth_recording(method: str, path: str) -> bool:
    if not path.startswith("/api/") or path == "/api/login" or _TYPING.match(path):
        return False
    if method not in READS:
        return True
    return path in _WHOLE_LOGS or _ONE_RECORD.match(path) is not None


def audit_middleware(log: SqlAuditLog, *, clock: Callable[[], datetime]) -> Any:
    """Records what is worth it (``worth_recording``) once answered, for a signed-in user:
    placed before the API's guard, it sees the session the guard set and the status made of
    any error. The live feed is recorded when it closes."""

    @web.middleware
    async def audit(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not worth_recording(request.method, request.path):
            return await handler(request)
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            session: Session | None = request.get(SESSION_KEY)
            if session is not None:
                entry = AuditEntry(
                    at=clock(),
                    actor=session.agent.name,
                    action=request.method,
                    target=_printable(loggable_path(request.path)),
                    status=status,
                )
                await _record(log, entry)

    return audit


def add_audit_log_api(app: web.Application, *, log: SqlAuditLog) -> None:
    """``GET /api/audit`` for admins."""

    async def entries(request: web.Request) -> web.Response:
        session: Session = request[SESSION_KEY]
        if not session.agent.role.can(Role.ADMIN):
            return web.json_response({"error": "the audit log is for admins"}, status=403)
        query = request.query
        try:
            limit = min(int(query.get("limit", "100")), MAX_LIMIT)
            before = int(query["before"]) if query.get("before") else None
        except ValueError:
            return web.json_response({"error": "limit and before: whole numbers"}, status=400)
        if limit < 1:
            return web.json_response({"error": "limit: at least 1"}, status=400)
        if before is not None:  # within the database's integers: the same entries
            before = max(0, min(before, MAX_ID))
        found = await asyncio.to_thread(
            log.entries, actor=query.get("actor") or None, before=before, limit=limit
        )
        return web.json_response({"entries": [e.to_json() for e in found]})

    app.router.add_get("/api/audit", entries)


def _printable(text: str) -> str:
    """Control characters as ``?``: the log is read in terminals (``supportbot audit``)."""
    return "".join(c if c.isprintable() else "?" for c in text)


async def _record(log: SqlAuditLog, entry: AuditEntry) -> None:
    """Shielded: a client that went away must not cancel the record of what it did."""
    try:
        await asyncio.shield(asyncio.to_thread(log.record, entry))
    except Exception:  # the request's outcome stands; the gap is logged
        logger.exception("could not record %s %s in the audit log", entry.action, entry.target)
