"""``create_app``: the web service's routes. Thin: each handler asks one service and answers.

- ``/`` and ``/boots``: the demo shop, with the chat widget embedded as a customer site would.
- ``/widget/...``: the widget's JavaScript, CSS and the vendored socket.io client.
- ``/widget/history/{session_id}``: the conversation as the customer saw it (the widget
  restores it after a reload or a lost connection) and the agent they chat with now
  (``live_agent``, "" for none). The random session id is the key.
- ``/widget/attachments/{session_id}``: ``POST`` a file to the customer's agent (a multipart
  ``file``; only while an agent has the conversation, checked before the upload is read);
  ``/widget/files/{file_id}``: a file of the conversation, by its random id alone (a shared
  link shows that file, never the conversation; ``bot.desk.files``, ``bot.web.files``).
- ``/console``: the agent console (its data comes from the agent API); ``/console/review.html``
  the leads' review inbox (``/api/review``).
- ``/api/...``: the agent API (``bot.web.agent_api``), when a support desk is given.
- ``/health``.

It also writes each finished day's report to ``var/reports/`` (``bot.reporting.schedule``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.attachments import AttachmentError, valid_id
from bot.conversations import transcript
from bot.conversations.events import current_session, latest_slot
from bot.customer_data import CustomerData
from bot.desk.canned import CannedReplies
from bot.desk.desk import SupportDesk
from bot.desk.feed import DeskFeed
from bot.desk.files import ChatFiles
from bot.handoff.slot import HANDOFF_SLOT, LIVE_AGENT, live_agent_of
from bot.reporting.dashboard import Dashboard
from bot.reporting.schedule import ScheduledReports
from bot.review.workflow import ReviewWorkflow
from bot.settings import Settings
from bot.storage.accounts import SqlAccounts
from bot.storage.audit import SqlAuditLog
from bot.storage.complaints import SqlComplaints
from bot.storage.followups import SqlFollowUps
from bot.storage.tracker import ConversationStore
from bot.web.aftercare_api import add_aftercare_api
from bot.web.agent_api import add_agent_api
from bot.web.assets import load_assets, serve
from bot.web.audit import add_audit_log_api, audit_middleware
from bot.web.dashboard_api import add_dashboard_api
from bot.web.files import file_response, read_upload, upload_status
from bot.web.openapi import add_openapi
from bot.web.pages import render_page, widget_snippet
from bot.web.review_api import add_review_api
from bot.web.security_headers import security_headers

logger = logging.getLogger(__name__)

_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
#: Seconds after start before the dashboard's days are read ahead (start-up comes first).
WARM_AFTER = 5.0
#: How often (seconds) the web service checks whether a day's report is due.
REPORT_CHECK_EVERY = 600
#: The most messages a restored conversation shows.
HISTORY_LIMIT = 200


def widget_config(settings: Settings, *, company: str) -> dict[str, object]:
    """What the demo site passes to the widget (any site can pass the same keys)."""
    return {
        "botUrl": settings.widget_bot_url,
        "title": f"{company} help",
        "primaryColor": "#2f6f4f",
        "position": "right",
        "language": "en",
    }


@dataclass(frozen=True)
class DeskParts:
    """What the console and the agent API need."""

    accounts: SqlAccounts
    desk: SupportDesk
    feed: DeskFeed
    canned: CannedReplies
    clock: Callable[[], datetime]
    review: Callable[[], ReviewWorkflow] | None = None  # the leads' review inbox
    complaints: SqlComplaints | None = None  # complaint tickets and follow-ups
    followups: SqlFollowUps | None = None
    reports: ScheduledReports | None = None  # each finished day's report, written by itself
    dashboard: Dashboard | None = None  # the leads' dashboard (the report's figures, any range)
    zone: Callable[[], ZoneInfo] | None = None  # the business timezone (dates in the dashboard)
    customer_data: CustomerData | None = None  # the daily retention purge
    audit: SqlAuditLog | None = None  # who in the team read or changed what
    files: ChatFiles | None = None  # files sent in live chats (widget and console)


def create_app(
    settings: Settings,
    *,
    store: ConversationStore,
    company: str,
    desk: DeskParts | None = None,
) -> web.Application:
    assets = load_assets()
    snippet = widget_snippet(
        widget_config(settings, company=company), script_url="/widget/widget.js"
    )

    async def page(request: web.Request) -> web.Response:
        body = render_page(request.path, company=company, widget=snippet)
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(text=body, content_type="text/html", charset="utf-8")

    async def asset(request: web.Request) -> web.Response:
        found = assets.get("widget/" + request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        return serve(found, request)

    async def vendor(request: web.Request) -> web.Response:
        found = assets.get("vendor/" + request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        return serve(found, request, max_age=86400)

    async def history(request: web.Request) -> web.Response:
        session_id = request.match_info["session_id"]
        headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}
        if not _SESSION_ID.fullmatch(session_id):
            return web.json_response({"error": "unknown conversation"}, status=404, headers=headers)
        events = await asyncio.get_running_loop().run_in_executor(None, store.events, session_id)
        items = transcript(events)[-HISTORY_LIMIT:]
        handoff = latest_slot(current_session(events), HANDOFF_SLOT)
        return web.json_response(
            {
                "session_id": session_id,
                "messages": [item.to_json() for item in items],
                LIVE_AGENT: live_agent_of(handoff),
            },
            headers=headers,
        )

    files = desk.files if desk is not None else None
    cross_site = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}

    async def upload(request: web.Request) -> web.Response:
        session_id = request.match_info["session_id"]
        if files is None or not _SESSION_ID.fullmatch(session_id):
            return web.json_response(
                {"error": "unknown conversation"}, status=404, headers=cross_site
            )
        try:
            await files.may_receive(session_id)  # before anything is read
            sent = await read_upload(request)
            attachment = await files.from_customer(session_id, sent.name, sent.data)
        except AttachmentError as exc:
            status = upload_status(exc)
            return web.json_response({"error": exc.message}, status=status, headers=cross_site)
        return web.json_response({"file": attachment.to_json()}, status=201, headers=cross_site)

    async def download(request: web.Request) -> web.Response:
        file_id = valid_id(request.match_info["file_id"])
        found = None
        if files is not None and file_id is not None:
            found = await files.for_customer(file_id)
        if found is None:
            raise web.HTTPNotFound(text="no such file", headers={"Cache-Control": "no-store"})
        return file_response(*found, shared_with_other_sites=True)

    async def console(request: web.Request) -> web.Response:
        name = request.match_info.get("name") or "console.html"
        found = assets.get("console/" + name)
        if found is None:
            raise web.HTTPNotFound()
        response = serve(found, request, max_age=0)
        response.headers.pop("Access-Control-Allow-Origin", None)  # only for our own pages
        return response

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def no_icon(request: web.Request) -> web.Response:
        return web.Response(status=204)

    # The audit log's middleware comes after the one that may replace the request with the
    # client's own address (a copy), and before the API's guard (added with the agent API):
    # it sees the session the guard sets on that same request, and the status it answers.
    audit = (
        [audit_middleware(desk.audit, clock=desk.clock)]
        if desk is not None and desk.audit is not None
        else []
    )
    app = web.Application(
        middlewares=[_client_address(settings.forwarded_by), security_headers(), *audit]
    )
    app.router.add_get("/", page)
    app.router.add_get("/boots", page)
    app.router.add_get("/widget/history/{session_id}", history)
    app.router.add_post("/widget/attachments/{session_id}", upload)
    app.router.add_get("/widget/files/{file_id}", download)
    app.router.add_get("/widget/vendor/{name}", vendor)
    app.router.add_get("/widget/{name}", asset)
    app.router.add_get("/health", health)
    app.router.add_get("/favicon.ico", no_icon)
    app.router.add_get("/console", console)
    app.router.add_get("/console/{name}", console)
    if desk is not None:
        add_agent_api(
            app,
            accounts=desk.accounts,
            desk=desk.desk,
            feed=desk.feed,
            canned=desk.canned,
            clock=desk.clock,
            files=desk.files,
        )
        add_openapi(app)
        if desk.review is not None:
            add_review_api(app, workflow=desk.review, on_duty=desk.feed.on_duty)
        if desk.complaints is not None and desk.followups is not None:
            add_aftercare_api(
                app, complaints=desk.complaints, followups=desk.followups, clock=desk.clock
            )
        if desk.audit is not None:
            add_audit_log_api(app, log=desk.audit)
        app.cleanup_ctx.append(_following(desk.feed))
        if desk.dashboard is not None and desk.zone is not None:
            add_dashboard_api(
                app, dashboard=desk.dashboard, store=store, zone=desk.zone, clock=desk.clock
            )
            app.cleanup_ctx.append(_warming(desk.dashboard))
        if desk.reports is not None:
            app.cleanup_ctx.append(
                _reporting(
                    desk.reports,
                    retention=desk.customer_data,
                    clock=desk.clock,
                    on_duty=desk.feed.on_duty,
                )
            )
    return app


def _client_address(proxy: str | None) -> Any:
    """Behind the load balancer (``SUPPORTBOT_FORWARDED_BY``), a request's address is the
    one the balancer saw (``X-Forwarded-For``, which it sets itself), and its scheme the one
    in ``X-Forwarded-Proto``; from anywhere else, and on one box, the connection's own. The
    balancer may be named by a network (its containers' or pods' addresses)."""
    balancer = ipaddress.ip_network(proxy, strict=False) if proxy else None

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if balancer is not None and _within(request.remote, balancer):
            if forwarded.strip():
                request = request.clone(remote=forwarded.split(",")[-1].strip())
            # https ended at the balancer (or at a proxy in front of it, which says so).
            scheme = request.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip()
            if scheme in ("http", "https"):
                request = request.clone(scheme=scheme)
        response: web.StreamResponse = await handler(request)
        return response

    return middleware


def _within(address: str | None, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address) in network
    except ValueError:  # a Unix socket, or no address at all
        return False


def _warming(dashboard: Dashboard) -> Callable[[web.Application], AsyncIterator[None]]:
    """Reads the last 30 finished days for the dashboard in the background after start."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        async def warm() -> None:
            await asyncio.sleep(WARM_AFTER)
            try:
                read = await asyncio.to_thread(dashboard.warm)
                logger.info("dashboard: %d finished days read ahead", read)
            except Exception:  # the dashboard reads them on demand instead
                logger.exception("reading days ahead for the dashboard failed")

        task = asyncio.create_task(warm())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context


def _reporting(
    reports: ScheduledReports,
    *,
    retention: CustomerData | None,
    clock: Callable[[], datetime],
    on_duty: Callable[[], Awaitable[bool]],
    every: float = REPORT_CHECK_EVERY,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Writes each finished day's report and erases conversations past the retention period
    (checked at start, then every ``every`` seconds, by the web process on duty)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                try:
                    duty = await on_duty()
                except Exception:
                    logger.exception("could not tell whether this process is on duty")
                    duty = False
                # Each on its own: a report that keeps failing must not stop the purge.
                if duty:
                    try:
                        await asyncio.to_thread(reports.write_due)
                    except Exception:  # the next check tries again; the service stays up
                        logger.exception("writing the daily report failed")
                if duty and retention is not None:
                    try:
                        await asyncio.to_thread(retention.purge_due, clock())
                    except Exception:
                        logger.exception("the retention purge failed")
                await asyncio.sleep(every)

        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context


def _following(feed: DeskFeed) -> Callable[[web.Application], AsyncIterator[None]]:
    """Runs the desk feed while the app runs."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        await feed.start()
        task = asyncio.create_task(feed.run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await feed.stop()

    return context
