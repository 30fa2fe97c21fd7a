"""Complaint tickets and follow-ups under ``/api`` (any signed-in member of the team).

Same sign-in as the agent API (bearer token, or the console's cookie + CSRF header).

* ``GET /api/complaints?status=unresolved|late|resolved|all`` → ``{"complaints": [...]}``,
  oldest first, each with its reference, deadlines and whether each is late now.
* ``GET /api/complaints/{reference}`` → one ticket with the transcript it was opened with.
* ``POST /api/complaints/{reference}/responded`` → the team answered outside the chat.
* ``POST /api/complaints/{reference}/resolve {note}`` → resolved, with what was done.
* ``GET /api/followups?status=open|done|all`` → ``{"followups": [...]}``, newest first
  (unhappy survey answers: low scores, angry comments).
* ``POST /api/followups/{id}/done {note}``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.accounts import Session
from bot.complaints.tickets import RESOLVED, UNRESOLVED, ComplaintNotFoundError
from bot.errors import SupportBotError
from bot.satisfaction.followups import FollowUpNotFoundError
from bot.storage.complaints import SqlComplaints
from bot.storage.followups import SqlFollowUps
from bot.web.agent_api import SESSION_KEY, json_body

COMPLAINT_STATUSES = ("unresolved", "late", "resolved", "all")
FOLLOWUP_STATUSES = ("open", "done", "all")
#: The largest number a ticket can have (PostgreSQL's integer).
MAX_NUMBER = 2**31 - 1


def add_aftercare_api(
    app: web.Application,
    *,
    complaints: SqlComplaints,
    followups: SqlFollowUps,
    clock: Callable[[], datetime],
) -> None:
    async def list_complaints(request: web.Request) -> web.Response:
        status = request.query.get("status", "unresolved")
        if status not in COMPLAINT_STATUSES:
            return _error(f"status: one of {', '.join(COMPLAINT_STATUSES)}", 400)
        statuses = {"unresolved": UNRESOLVED, "late": UNRESOLVED, "resolved": (RESOLVED,)}
        found = await asyncio.to_thread(complaints.listing, statuses.get(status))
        now = clock()
        if status == "late":
            found = [c for c in found if c.breached(now)]
        return web.json_response({"complaints": [c.to_json(now) for c in found]})

    async def complaint(request: web.Request) -> web.Response:
        try:
            found = await asyncio.to_thread(complaints.get, _reference(request))
        except ComplaintNotFoundError as exc:
            return _error(exc.message, 404)
        return web.json_response(found.to_json(clock(), transcript=True))

    async def responded(request: web.Request) -> web.Response:
        session: Session = request[SESSION_KEY]
        return await _change(
            complaints.mark_responded,
            _reference(request),
            by=session.agent.name,
            now=clock(),
        )

    async def resolve(request: web.Request) -> web.Response:
        session: Session = request[SESSION_KEY]
        body = await json_body(request)
        return await _change(
            complaints.resolve,
            _reference(request),
            by=session.agent.name,
            note=str(body.get("note") or ""),
            now=clock(),
        )

    async def list_followups(request: web.Request) -> web.Response:
        status = request.query.get("status", "open")
        if status not in FOLLOWUP_STATUSES:
            return _error(f"status: one of {', '.join(FOLLOWUP_STATUSES)}", 400)
        found = await asyncio.to_thread(followups.listing, None if status == "all" else status)
        return web.json_response({"followups": [item.to_json() for item in found]})

    async def followup_done(request: web.Request) -> web.Response:
        session: Session = request[SESSION_KEY]
        body = await json_body(request)
        return await _change(
            followups.close,
            request.match_info["id"],
            by=session.agent.name,
            note=str(body.get("note") or ""),
            now=clock(),
        )

    async def _change(operation: Callable[..., Any], key: str, **options: Any) -> web.Response:
        try:
            changed = await asyncio.to_thread(operation, key, **options)
        except (ComplaintNotFoundError, FollowUpNotFoundError) as exc:
            return _error(exc.message, 404)
        except SupportBotError as exc:
            return _error(exc.message, 409 if "already" in exc.message else 400)
        if hasattr(changed, "reference"):
            return web.json_response(changed.to_json(clock()))
        return web.json_response(changed.to_json())

    app.router.add_get("/api/complaints", list_complaints)
    app.router.add_get("/api/complaints/{reference}", complaint)
    app.router.add_post("/api/complaints/{reference}/responded", responded)
    app.router.add_post("/api/complaints/{reference}/resolve", resolve)
    app.router.add_get("/api/followups", list_followups)
    app.router.add_post("/api/followups/{id}/done", followup_done)


def _reference(request: web.Request) -> str:
    """The path's complaint reference; 404 for one no ticket can have, which the storage
    cannot look up: digits ``int`` refuses (``C-²``) or beyond the database's integers."""
    reference = request.match_info["reference"]
    digits = reference.strip().upper().removeprefix("C-").lstrip("0") or "0"
    if not (digits.isascii() and digits.isdigit() and int(digits[:11]) <= MAX_NUMBER):
        raise web.HTTPNotFound(
            text=json.dumps({"error": f"no complaint {reference}"}),
            content_type="application/json",
        )
    return reference


def _error(message: str, status: int) -> web.Response:
    return web.json_response({"error": message}, status=status)
