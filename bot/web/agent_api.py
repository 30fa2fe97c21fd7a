"""The agent API under ``/api`` (the console uses it too). Contract: docs in the README.

Authentication: ``POST /api/login {username, password}`` returns a bearer token (and sets it
as an HttpOnly, SameSite=Strict cookie for the console). Every other route needs either
``Authorization: Bearer <token>`` or the cookie; with the cookie, a change (POST) also needs
the session's ``X-CSRF-Token`` header. No valid session: **401**.

* ``GET /api/handoffs?status=queued|assigned|closed|released|cancelled|abandoned|message_left``
  (default: queued and assigned) → a JSON list; each item has ``id, conversation_id, status,
  reason, priority, waiting_since, position`` (position only while queued) and more: the
  customer's ``last_message``, ``contact``, ``language``, ``page`` and a ``summary`` of why
  they came (``bot.desk.handover_context``). ``&q=TEXT`` searches instead (in the given
  status, or in all): reference, customer, agent, contact, notes and what was written.
* ``GET /api/handoffs/{id}``: the handoff, its history and the whole transcript.
* ``GET /api/handoffs/{id}/suggestions``: knowledge-base articles for the customer's latest
  question (``bot.desk.assist``); 503 with a hint when the index cannot be searched.
* ``POST /api/handoffs/{id}/typing``: the agent is typing (the website's customer sees it).
* ``POST /api/handoffs/{id}/attachments``: send the customer a file (multipart ``file``, and
  an optional ``text`` to go with it); ``GET /api/handoffs/{id}/attachments/{file_id}``: a
  file of the handoff's conversation, whoever sent it (``bot.desk.files``).
* ``POST /api/handoffs/{id}/claim``, ``/messages {text}``, ``/close {note}``, ``/release``,
  ``/transfer {agent}``.
* ``GET /api/agents``, ``POST /api/presence {presence}``, ``POST /api/languages {languages}``
  (the ones you chat in: customers writing them come to you first), ``GET /api/me``,
  ``POST /api/logout``, ``GET /api/canned``; ``GET /api/live`` is the console's WebSocket feed.

An agent stays present while their console is open or their client calls the API at least
once a minute; after a minute unheard they go offline and their conversations go back to the
queue (``DeskFeed``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import WSMsgType, web

from bot.accounts import Session
from bot.attachments import AttachmentError, valid_id
from bot.desk.canned import CannedReplies
from bot.desk.desk import PermissionDeniedError, SupportDesk
from bot.desk.feed import DeskFeed
from bot.desk.files import ChatFiles
from bot.errors import (
    AuthenticationError,
    HandoffError,
    HandoffNotFoundError,
    HandoffTransitionError,
    ServiceError,
    SignInLimitError,
    SupportBotError,
)
from bot.handoff.lifecycle import Status
from bot.handoff.model import Presence
from bot.handoff.routing import DEFAULT_LANGUAGES
from bot.storage.accounts import SqlAccounts
from bot.web.files import file_response, read_upload, upload_status

logger = logging.getLogger(__name__)

COOKIE = "supportbot_session"
SESSION_KEY = "supportbot.session"
#: How often an open live feed checks that its session still exists (signed out, password
#: changed, user removed): then the feed is closed with ``SIGNED_OUT`` and the console asks
#: to sign in again.
SESSION_RECHECK_SECONDS = 15.0
SIGNED_OUT = 4401
#: What a user who must choose their own password first may still do.
BEFORE_OWN_PASSWORD = frozenset({"/api/me", "/api/logout", "/api/password"})
#: What answers without a session: signing in, and the API's description (bot.web.openapi).
OPEN_PATHS = frozenset({"/api/login", "/api/openapi.json"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object ({} without a body); 400 for anything else."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
        json.dumps(body, ensure_ascii=False).encode()  # "\ud800" parses, but is no text
    except ValueError:  # UnicodeEncodeError too: nothing could store or hash such a string
        raise web.HTTPBadRequest(
            text='{"error": "the body must be JSON"}', content_type="application/json"
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text='{"error": "the body must be a JSON object"}', content_type="application/json"
        )
    return body


def add_agent_api(
    app: web.Application,
    *,
    accounts: SqlAccounts,
    desk: SupportDesk,
    feed: DeskFeed,
    canned: CannedReplies,
    clock: Callable[[], datetime],
    files: ChatFiles | None = None,
) -> None:
    async def authenticate(request: web.Request) -> Session | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token, by_cookie = header[7:].strip(), False
        elif request.path == "/api/live" and request.query.get("token"):
            token, by_cookie = request.query["token"], False
        else:
            token, by_cookie = request.cookies.get(COOKIE, ""), True
        if not token:
            return None
        session = await asyncio.to_thread(accounts.session, token, now=clock())
        if session is None:
            return None
        if by_cookie and request.method not in ("GET", "HEAD", "OPTIONS"):
            sent = request.headers.get("X-CSRF-Token", "")
            if not hmac.compare_digest(sent, session.csrf_token):
                raise web.HTTPForbidden(
                    text='{"error": "missing or wrong CSRF token"}',
                    content_type="application/json",
                )
        if by_cookie and request.path == "/api/live":
            origin = request.headers.get("Origin")
            if origin and origin.split("://", 1)[-1] != request.host:
                raise web.HTTPForbidden(
                    text='{"error": "wrong origin"}', content_type="application/json"
                )
        return session

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/api/") or request.path in OPEN_PATHS:
            return await handler(request)
        session = await authenticate(request)
        if session is None:
            return _error(401, "sign in first: POST /api/login {username, password}")
        request[SESSION_KEY] = session
        if session.must_change_password and request.path not in BEFORE_OWN_PASSWORD:
            return web.json_response(
                {
                    "error": "choose your own password first: POST /api/password "
                    "{current_password, new_password}",
                    "must_change_password": True,
                },
                status=403,
            )
        try:
            await feed.heard_from(session.agent.name)  # keeps an API-only agent present
            return await handler(request)
        except PermissionDeniedError as exc:
            return _error(403, exc.message)
        except HandoffNotFoundError as exc:
            return _error(404, exc.message)
        except HandoffTransitionError as exc:
            return _error(409, exc.message)
        except HandoffError as exc:
            return _error(400, exc.message)
        except ServiceError as exc:
            logger.error("agent API: %s", exc)
            return _error(502, f"saved, but the customer could not be reached: {exc.message}")

    def session_of(request: web.Request) -> Session:
        session: Session = request[SESSION_KEY]
        return session

    async def login(request: web.Request) -> web.Response:
        if request.content_type != "application/json":  # no sign-in from another site's form
            return _error(415, "send JSON: Content-Type: application/json")
        body = await json_body(request)
        name, password = body.get("username"), body.get("password")
        if not isinstance(name, str) or not isinstance(password, str):
            return _error(400, "send {username, password}")
        try:
            session = await asyncio.to_thread(
                accounts.sign_in, name, password, now=clock(), address=request.remote or ""
            )
        except SignInLimitError as exc:
            return _error(429, exc.message)
        except AuthenticationError as exc:
            return _error(401, exc.message)
        if not session.must_change_password:  # not given customers before they can act
            await desk.set_presence(session.agent.name, Presence.ONLINE)
        response = web.json_response(
            {
                "token": session.token,
                "csrf_token": session.csrf_token,
                "agent": session.agent.name,
                "role": session.agent.role.value,
                "expires_at": session.expires_at.isoformat(),
                "must_change_password": session.must_change_password,
            }
        )
        response.set_cookie(
            COOKIE,
            session.token,
            httponly=True,
            secure=request.secure,  # https, here or at the load balancer: never sent over http
            samesite="Strict",
            path="/",
            max_age=int((session.expires_at - clock()).total_seconds()),
        )
        return response

    async def logout(request: web.Request) -> web.Response:
        session = session_of(request)
        await asyncio.to_thread(accounts.sign_out, session.token)
        response = web.json_response({"signed_out": session.agent.name})
        response.del_cookie(COOKIE, path="/")
        return response

    async def me(request: web.Request) -> web.Response:
        session = session_of(request)
        languages = await asyncio.to_thread(accounts.languages)
        return web.json_response(
            {
                "agent": session.agent.name,
                "role": session.agent.role.value,
                "csrf_token": session.csrf_token,
                "must_change_password": session.must_change_password,
                "languages": list(languages.get(session.agent.name, DEFAULT_LANGUAGES)),
            }
        )

    async def change_password(request: web.Request) -> web.Response:
        body = await json_body(request)
        current, new = body.get("current_password"), body.get("new_password")
        if not isinstance(current, str) or not isinstance(new, str):
            return _error(400, "send {current_password, new_password}")
        try:
            await asyncio.to_thread(
                accounts.change_own_password,
                session_of(request),
                current,
                new,
                now=clock(),
                address=request.remote or "",
            )
        except SignInLimitError as exc:
            return _error(429, exc.message)
        except AuthenticationError as exc:
            return _error(403, exc.message)
        except SupportBotError as exc:
            return _error(400, exc.message)
        if session_of(request).must_change_password:  # only now ready to take customers
            await desk.set_presence(session_of(request).agent.name, Presence.ONLINE)
        return web.json_response({"changed": True, "must_change_password": False})

    async def listing(request: web.Request) -> web.Response:
        wanted, text = request.query.get("status"), request.query.get("q")
        try:
            status = Status(wanted) if wanted is not None else None
        except ValueError:
            return _error(400, f"status must be one of {', '.join(s.value for s in Status)}")
        if text is not None:
            return web.json_response(await desk.search(text, [status] if status else list(Status)))
        if status is None:
            items = await desk.listing(Status.QUEUED) + await desk.listing(Status.ASSIGNED)
            return web.json_response(items)
        return web.json_response(await desk.listing(status))

    async def detail(request: web.Request) -> web.Response:
        return web.json_response(await desk.detail(request.match_info["id"]))

    async def suggestions(request: web.Request) -> web.Response:
        try:
            found = await desk.suggestions(request.match_info["id"])
        except HandoffError:
            raise  # the guard's statuses: 404 for an unknown handoff
        except SupportBotError as exc:  # no index yet, or a broken one: say how to mend it
            logger.warning("agent assist: %s", exc.message)
            return web.json_response({"error": exc.message, "hint": exc.hint}, status=503)
        return web.json_response(found)

    async def claim(request: web.Request) -> web.Response:
        handoff = await desk.claim(request.match_info["id"], session_of(request).agent)
        return web.json_response(desk.summary(handoff))

    async def message(request: web.Request) -> web.Response:
        text = (await json_body(request)).get("text")
        if not isinstance(text, str):
            return _error(400, "send {text}")
        delivered = await desk.say(request.match_info["id"], session_of(request).agent, text)
        # Not delivered yet (Rasa is down): kept, and delivered as soon as Rasa is back.
        return web.json_response({"sent": True, "delivered": delivered}, status=201)

    async def send_file(request: web.Request) -> web.Response:
        if files is None:
            return _error(404, "files are not set up in this service")
        try:
            sent = await read_upload(request)
            attachment, delivered = await files.from_agent(
                request.match_info["id"],
                session_of(request).agent,
                name=sent.name,
                data=sent.data,
                text=sent.text,
            )
        except AttachmentError as exc:
            return _error(upload_status(exc), exc.message)
        body = {"sent": True, "delivered": delivered, "file": attachment.to_json()}
        return web.json_response(body, status=201)

    async def file(request: web.Request) -> web.Response:
        file_id = valid_id(request.match_info["file_id"])
        found = None
        if files is not None and file_id is not None:
            found = await files.for_team(request.match_info["id"], file_id)
        if found is None:
            return _error(404, "no such file in this conversation")
        return file_response(*found)

    async def typing(request: web.Request) -> web.Response:
        told = await desk.typing(request.match_info["id"], session_of(request).agent)
        return web.json_response({"told": told}, status=202)

    async def close(request: web.Request) -> web.Response:
        note = (await json_body(request)).get("note")
        if not isinstance(note, str):
            return _error(400, "send {note}: what was the outcome?")
        handoff = await desk.close(request.match_info["id"], session_of(request).agent, note)
        return web.json_response(desk.summary(handoff))

    async def release(request: web.Request) -> web.Response:
        handoff = await desk.release(request.match_info["id"], session_of(request).agent)
        return web.json_response(desk.summary(handoff))

    async def transfer(request: web.Request) -> web.Response:
        to_agent = (await json_body(request)).get("agent")
        if not isinstance(to_agent, str) or not to_agent:
            return _error(400, "send {agent}: who takes over?")
        if await asyncio.to_thread(accounts.get, to_agent) is None:
            return _error(404, f"there is no agent called {to_agent}")
        agent = session_of(request).agent
        handoff = await desk.transfer(request.match_info["id"], agent, to_agent)
        return web.json_response(desk.summary(handoff))

    async def agents(request: web.Request) -> web.Response:
        users = await asyncio.to_thread(accounts.all)
        presence = await asyncio.to_thread(desk.queue.presence)
        languages = await asyncio.to_thread(accounts.languages)
        result = []
        for user in users:
            state, capacity = presence.get(user.name, (Presence.OFFLINE, 0))
            load = await asyncio.to_thread(desk.queue.load, user.name)
            result.append(
                {
                    "name": user.name,
                    "role": user.role.value,
                    "presence": state.value,
                    "capacity": capacity,
                    "load": load,
                    "languages": list(languages.get(user.name, DEFAULT_LANGUAGES)),
                }
            )
        return web.json_response(result)

    async def presence(request: web.Request) -> web.Response:
        wanted = (await json_body(request)).get("presence")
        try:
            state = Presence(str(wanted))
        except ValueError:
            return _error(400, "presence must be online, away or offline")
        await desk.set_presence(session_of(request).agent.name, state)
        return web.json_response({"presence": state.value})

    async def set_languages(request: web.Request) -> web.Response:
        wanted = (await json_body(request)).get("languages")
        try:
            codes = await asyncio.to_thread(
                accounts.set_languages, session_of(request).agent.name, wanted
            )
        except SupportBotError as exc:
            return _error(400, exc.message)
        return web.json_response({"languages": list(codes)})

    async def canned_replies(request: web.Request) -> web.Response:
        return web.json_response(canned.current())

    async def live(request: web.Request) -> web.StreamResponse:
        session = session_of(request)
        socket = web.WebSocketResponse(heartbeat=20)
        await socket.prepare(request)
        key = feed.subscribe(session.agent.name, socket.send_str)

        signed_out = asyncio.Event()

        async def end_with_the_session() -> None:
            while not socket.closed:
                await asyncio.sleep(SESSION_RECHECK_SECONDS)
                try:
                    current = await asyncio.to_thread(accounts.session, session.token, now=clock())
                except Exception:  # the database away for a moment: look again next time
                    logger.exception("could not check a live feed's session")
                    continue
                if current is None:
                    signed_out.set()  # the handler below lets this close finish
                    await socket.close(code=SIGNED_OUT, message=b"signed out")

        watcher = asyncio.create_task(end_with_the_session())
        try:
            await socket.send_json({"type": "hello", "agent": session.agent.name})
            await feed.welcome(socket.send_str)
            async for frame in socket:
                if frame.type is WSMsgType.ERROR:
                    break
        finally:
            if signed_out.is_set():
                await watcher
            else:
                watcher.cancel()
            feed.unsubscribe(key)
        return socket

    app.middlewares.append(guard)
    app.router.add_post("/api/login", login)
    app.router.add_post("/api/logout", logout)
    app.router.add_get("/api/me", me)
    app.router.add_post("/api/password", change_password)
    app.router.add_get("/api/handoffs", listing)
    app.router.add_get("/api/handoffs/{id}", detail)
    app.router.add_get("/api/handoffs/{id}/suggestions", suggestions)
    app.router.add_post("/api/handoffs/{id}/claim", claim)
    app.router.add_post("/api/handoffs/{id}/messages", message)
    app.router.add_post("/api/handoffs/{id}/typing", typing)
    app.router.add_post("/api/handoffs/{id}/attachments", send_file)
    app.router.add_get("/api/handoffs/{id}/attachments/{file_id}", file)
    app.router.add_post("/api/handoffs/{id}/close", close)
    app.router.add_post("/api/handoffs/{id}/release", release)
    app.router.add_post("/api/handoffs/{id}/transfer", transfer)
    app.router.add_get("/api/agents", agents)
    app.router.add_post("/api/presence", presence)
    app.router.add_post("/api/languages", set_languages)
    app.router.add_get("/api/canned", canned_replies)
    app.router.add_get("/api/live", live)
