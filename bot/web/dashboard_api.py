"""The dashboard's API under ``/api/dashboard`` (support leads and admins; agents get 403).

* ``GET /api/dashboard?from=YYYY-MM-DD&to=YYYY-MM-DD&by=day|week&channel=&agent=`` → the
  report's figures per period and for the whole range (default: the last 7 days, by day).
* ``GET /api/dashboard/conversations?from&to&channel&agent&metric=`` → the conversations
  behind a number (``metric``: ``all, contained, handed_off, abandoned, complaints, rated,
  satisfied, unhappy, estimated_unsatisfied, failed``).
* ``GET /api/dashboard/conversations/{id}`` → one conversation's transcript, as agents see it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.accounts import Role, Session
from bot.desk.transcript import console_transcript
from bot.reporting.dashboard import Dashboard, DashboardError, Selection
from bot.storage.tracker import ConversationStore
from bot.web.agent_api import SESSION_KEY

DEFAULT_DAYS = 7
#: The days a range may cover: Rasa stamps events in Unix time (nothing is earlier), and the
#: last day's week must still end within the calendar.
EARLIEST, LATEST = date(1970, 1, 1), date.max - timedelta(days=7)


def add_dashboard_api(
    app: web.Application,
    *,
    dashboard: Dashboard,
    store: ConversationStore,
    zone: Callable[[], ZoneInfo],
    clock: Callable[[], datetime],
) -> None:
    def lead(request: web.Request) -> None:
        session: Session = request[SESSION_KEY]
        if not session.agent.role.can(Role.LEAD):
            raise web.HTTPForbidden(
                text='{"error": "the dashboard is for support leads"}',
                content_type="application/json",
            )

    def selection(request: web.Request) -> Selection:
        query = request.query
        try:
            today = clock().astimezone(zone()).date()
            last = date.fromisoformat(query["to"]) if query.get("to") else today
            first = (
                date.fromisoformat(query["from"])
                if query.get("from")
                else last - timedelta(days=DEFAULT_DAYS - 1)
            )
        except ValueError:
            raise _bad("from and to: dates as YYYY-MM-DD") from None
        except OverflowError:  # 6 days before 0001-01-03
            first = date.min
        if not (EARLIEST <= first <= LATEST and EARLIEST <= last <= LATEST):
            raise _bad(f"from and to: days from {EARLIEST} to {LATEST}")
        return Selection(
            first, last, channel=query.get("channel") or None, agent=query.get("agent") or None
        )

    async def overview(request: web.Request) -> web.Response:
        lead(request)
        chosen = selection(request)
        try:
            found = await asyncio.to_thread(
                dashboard.figures, chosen, by=request.query.get("by", "day")
            )
        except DashboardError as exc:
            raise _bad(exc.message) from None
        return web.json_response(found)

    async def behind(request: web.Request) -> web.Response:
        lead(request)
        chosen = selection(request)
        try:
            found = await asyncio.to_thread(
                dashboard.conversations, chosen, request.query.get("metric", "all")
            )
        except DashboardError as exc:
            raise _bad(exc.message) from None
        return web.json_response(found)

    async def conversation(request: web.Request) -> web.Response:
        lead(request)
        conversation_id = request.match_info["id"]
        events = await asyncio.to_thread(store.events, conversation_id)
        if not events:
            return web.json_response({"error": "no such conversation"}, status=404)
        return web.json_response(
            {"conversation_id": conversation_id, "transcript": console_transcript(events)}
        )

    app.router.add_get("/api/dashboard", overview)
    app.router.add_get("/api/dashboard/conversations", behind)
    app.router.add_get("/api/dashboard/conversations/{id}", conversation)


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=f'{{"error": "{message}"}}', content_type="application/json")
