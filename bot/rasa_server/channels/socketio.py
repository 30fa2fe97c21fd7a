"""Rasa's socket.io channel (``/socket.io``), as the website widget and any Rasa client use it.

The protocol is Rasa's own: ``session_request`` → ``session_confirm``, ``user_uttered`` →
``bot_uttered``, with session persistence (a conversation survives reloads and spans tabs).
What this channel adds:

* it awaits ``enter_room`` (Rasa 3.6 does not; with python-socketio ≥ 5.10 the customer then
  never joins their conversation's room and never hears the bot);
* it offers only Socket.IO's HTTP long-polling transport: Rasa's Sanic 21.12 passes a bare
  coroutine to ``asyncio.wait`` in its WebSocket ``recv``, which Python 3.11 rejects, so a
  WebSocket upgrade would be accepted and then drop. Clients (the widget, any socket.io
  client) connect with polling as usual and simply never try to upgrade;
* session ids are checked (a client cannot pick a short or odd conversation id), a message
  belongs to the session its connection confirmed (``session_request``), and message
  metadata is limited to a small mapping of plain values (page URL, customer id, ...);
* every message gets the checks all channels share (``customer_turns``: one length limit,
  button payloads only as offered, never silent);
* a message the client re-sends after a lost connection (same ``client_message_id`` in its
  metadata) is acknowledged but not processed twice (``message_ids``: shared in Redis in a
  cluster);
* in a cluster (``SUPPORTBOT_REDIS_URL``) the replicas share one socket.io manager in Redis,
  so a message for a customer (an agent's, a wait update) reaches their page whichever
  replica Rasa's HTTP API call landed on; and each replica starts its session ids with its
  name (``SUPPORTBOT_SERVER_NAME``), by which the load balancer keeps a page with it;
* a message may carry a file the page sent to the web service first (``file`` in its
  metadata: kept only when this conversation's customer sent it, described as stored), and an
  agent's file reaches the page in ``bot_uttered`` (``file``: id, name, type, size);
* a desk message says who the customer is chatting with from then on (``live_agent`` in its
  metadata, passed on in ``bot_uttered``), and ``POST /webhooks/socketio/agent_typing``
  (with the Rasa API's token; the web service calls it) tells the customer's pages that their
  agent is typing (``agent_typing``, ``{"agent": name}``): the widget shows the agent's real
  typing instead of the bot's dots;
* for a customer with the team (waiting, or talking to an agent) it records when they type
  (the widget's ``user_typing`` event) and when their last open chat page closes, so the
  agent sees them typing and a customer who left is marked so (``SqlCustomerActivity``).
  Each server knows only its own pages: in a cluster, every ``OPEN_PAGES_EVERY`` seconds
  it marks the conversations it still has a page of as open again, so a customer whose
  other tab (on another server) closed is not taken for gone.
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.attachments import CUSTOMER, FILE, Attachment, attachment_of, valid_id
from bot.handoff.slot import LIVE_AGENT
from bot.privacy.log_ids import conversation_ref
from bot.rasa_api import rasa_api_token
from bot.rasa_server.channels.customer_turns import customer_turns
from bot.rasa_server.channels.identity import clean_metadata, valid_session_id
from bot.rasa_server.channels.message_ids import message_ids
from bot.services import services_for
from bot.settings import Settings
from bot.storage.activity import SqlCustomerActivity
from bot.storage.attachments import SqlAttachments

logger = logging.getLogger(__name__)

#: Seconds between pings to each open chat page, and how long an answer may take: a page
#: closed without saying goodbye is noticed within their sum. A busy server answers pings
#: late: with 10 s to answer, 500 customers on two cores made thousands of pages reconnect
#: (each reconnect costs more work), so pages get 20 s.
PING_INTERVAL = 10
PING_TIMEOUT = 20
#: In a cluster, how often (seconds) each server says which conversations it still has an
#: open page of (a page closed on another server may have marked one as left meanwhile).
OPEN_PAGES_EVERY = 10.0


class OpenPages:
    """Which socket.io connections (one per open chat page) belong to which conversation."""

    def __init__(self) -> None:
        self._session_of: dict[str, str] = {}
        self._pages: dict[str, set[str]] = {}

    def opened(self, sid: str, session_id: str) -> str | None:
        """The page is in this conversation now. A page that switches conversation leaves
        the old one: its id if that was its last open page."""
        left = self.closed(sid) if self._session_of.get(sid) != session_id else None
        self._session_of[sid] = session_id
        self._pages.setdefault(session_id, set()).add(sid)
        return left

    def conversations(self) -> list[str]:
        """The conversations with an open page here."""
        return list(self._pages)

    def session_of(self, sid: str) -> str | None:
        return self._session_of.get(sid)

    def closed(self, sid: str) -> str | None:
        """Forget the page; the conversation's id if it was its last open page."""
        session_id = self._session_of.pop(sid, None)
        if session_id is None:
            return None
        pages = self._pages.get(session_id, set())
        pages.discard(sid)
        if pages:
            return None
        self._pages.pop(session_id, None)
        return session_id


class CountingSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, counting what it sends (for ``never_silent``).

    A message from a person on the team (``agent`` in its metadata, written by the support
    desk) carries the agent's name in its ``bot_uttered`` payload, so the widget can show who
    is writing; other Rasa clients simply see the text.
    """

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        agent, live = kwargs.get("agent"), kwargs.get(LIVE_AGENT)
        extra: dict[str, Any] = {LIVE_AGENT: live} if isinstance(live, str) else {}
        if isinstance(agent, str) and agent:
            extra["agent"] = agent
        attachment = attachment_of(kwargs)
        if attachment is not None:  # an agent's file: one message, shown with it
            await self._send_message(
                recipient_id, {"text": text, **extra, FILE: attachment.to_json()}
            )
            return
        if not extra:
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, **extra})

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await super()._send_message(socket_id, response)
        self.sent += 1

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await super().send_custom_json(recipient_id, json_message, **kwargs)
        self.sent += 1


class SupportSocketIOInput(SocketIOInput):
    """Same events and URL as Rasa's ``socketio`` channel; see the module docstring."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> CountingSocketIOOutput | None:
        """How messages from outside a customer's turn (agents, wait updates) reach them."""
        if self.sio is None:
            return None
        return CountingSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        settings = Settings.from_env()
        handle = customer_turns(on_new_message, settings=settings)
        recent = message_ids(settings.redis_url)
        pages = OpenPages()
        activity = services_for(settings).customer_activity()
        files = services_for(settings).attachments()
        # CORS for the polling transport is handled by Rasa's --cors (Sanic-CORS).
        shared = AsyncRedisManager(settings.redis_url) if settings.redis_url else None
        sio = AsyncServer(
            async_mode="sanic",
            client_manager=shared,
            cors_allowed_origins=[],
            transports=["polling"],
            allow_upgrades=False,  # otherwise WebSocket is still advertised to clients
            # A page closed without saying goodbye is noticed within 20 s (not 45 s).
            ping_interval=PING_INTERVAL,
            ping_timeout=PING_TIMEOUT,
        )
        if settings.server_name:
            _name_sessions(sio, settings.server_name)
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @webhook.listener("before_server_stop")
        async def stop_keeping(*_: Any) -> None:
            for task in keeper:
                task.cancel()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        api_token = rasa_api_token(settings)

        @webhook.route("/agent_typing", methods=["POST"])
        async def agent_typing(request: Request) -> HTTPResponse:
            given = str(request.args.get("token") or "").encode()
            if not api_token or not hmac.compare_digest(given, api_token.encode()):
                return response.json({"error": "a valid token is needed"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            session_id, agent = valid_session_id(body.get("session_id")), body.get("agent")
            if session_id is None or not isinstance(agent, str) or not 0 < len(agent) <= 100:
                return response.json({"error": "send {session_id, agent}"}, status=400)
            notice = {"agent": agent}
            await sio.emit("agent_typing", notice, room=session_id, namespace=self.namespace)
            return response.json({"told": True})

        keeper: list[Any] = []  # the cluster's open-pages task, started with the first page

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> bool:
            if settings.redis_url and not keeper:
                keeper.append(sio.start_background_task(keep_pages_open, pages, activity))
            if not self.jwt_key:
                return True
            token = (auth or {}).get("token")
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            session_id = valid_session_id((data or {}).get("session_id")) or uuid.uuid4().hex
            # Handlers run as tasks: the page may already have gone (its disconnect handled)
            # by the time this one runs. Register only a live page, and before any await, so
            # a disconnect during the awaits below finds it and forgets it. (Registering a
            # gone page would leave the conversation "open" forever: never abandoned.)
            if not sio.manager.is_connected(sid, self.namespace or "/"):
                logger.info(
                    "a chat page of conversation %s left before it was set up",
                    conversation_ref(session_id),
                )
                return
            switched_from = pages.opened(sid, session_id)
            logger.info("a chat page of conversation %s opened", conversation_ref(session_id))
            if switched_from is not None:
                await page_closed(activity, switched_from)
            joined = sio.enter_room(sid, session_id, namespace=self.namespace)
            if inspect.isawaitable(joined):
                await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            await _quietly(asyncio.to_thread(activity.back, session_id))

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            known = pages.session_of(sid)
            logger.info(
                "a chat connection closed (conversation %s)",
                conversation_ref(known) if known else "not set up yet",
            )
            session_id = pages.closed(sid)
            if session_id is not None:
                await page_closed(activity, session_id)

        @sio.on("user_typing", namespace=self.namespace)
        async def user_typing(sid: str, data: Any = None) -> None:
            session_id = pages.session_of(sid)  # only a page's own conversation
            if session_id is not None:
                await _quietly(_typed(activity, session_id))

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: dict[str, Any] | None) -> None:
            data = data if isinstance(data, dict) else {}
            # A message belongs to the session this connection confirmed, never to one the
            # payload names: a client cannot write into (and hear) another conversation.
            session_id = pages.session_of(sid)
            if session_id is None or data.get("session_id") not in (None, session_id):
                logger.warning("socket.io message outside the connection's session ignored")
                return
            given = data.get(self.metadata_key)
            metadata = clean_metadata(given)
            client_id = metadata.get("client_message_id")
            if isinstance(client_id, str) and not await recent.first_time(session_id, client_id):
                return  # a re-send of a message already answered
            text = data.get("message")
            sent = await _sent_file(files, session_id, given)
            if sent is not None:
                metadata.update(sent.metadata())
            output = CountingSocketIOOutput(sio, self.bot_message_evt)
            message = UserMessage(
                text if isinstance(text, str) else "",
                output,
                session_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            await handle(message)
            if isinstance(client_id, str):
                await recent.done(session_id, client_id)

        return webhook


async def _sent_file(files: SqlAttachments, session_id: str, given: object) -> Attachment | None:
    """The file the page says it sent with a message (uploaded to the web service first), if
    the customer of this conversation sent it: as stored, whatever else the page claimed."""
    file_id = valid_id(given.get(FILE) if isinstance(given, dict) else None)
    if file_id is None:
        return None
    try:
        return await asyncio.to_thread(files.describe, session_id, file_id, sender=CUSTOMER)
    except Exception:  # the message itself still counts; its agent sees no file
        logger.exception(
            "could not read the files of conversation %s", conversation_ref(session_id)
        )
        return None


def _name_sessions(sio: AsyncServer, server: str) -> None:
    """Start every Engine.IO session id with this server's name (``r1-...``), so the load
    balancer sends a page's later requests here without a cookie: a widget embedded on
    another site's page sends none."""
    generate = sio.eio.generate_id

    def named() -> str:
        return f"{server}-{generate()}"

    sio.eio.generate_id = named


async def page_closed(activity: SqlCustomerActivity, session_id: str) -> None:
    """Record that the conversation's last chat page closed, with no check first: it happens
    once per conversation and must never be missed (an agent would wait for a customer who
    has gone, and the conversation would never end as abandoned).

    It often runs inside the request that noticed: Sanic cancels a request whose client went
    away, and python-engineio then closes the socket from within it. Shielded, so that a
    cancel cannot drop the record (a cancel before the database thread started would)."""
    await asyncio.shield(_quietly(_left(activity, session_id)))


async def keep_pages_open(pages: OpenPages, activity: SqlCustomerActivity) -> None:
    """Every ``OPEN_PAGES_EVERY`` seconds: this server's conversations with an open page are
    open, whatever another server recorded (one database statement per round)."""
    while True:
        await asyncio.sleep(OPEN_PAGES_EVERY)
        open_now, now = pages.conversations(), datetime.now(UTC)
        await _quietly(asyncio.to_thread(activity.still_open, open_now, before=now))


async def _left(activity: SqlCustomerActivity, session_id: str) -> None:
    await asyncio.to_thread(activity.left, session_id, now=datetime.now(UTC))
    logger.info("the last chat page of conversation %s closed", conversation_ref(session_id))


async def _typed(activity: SqlCustomerActivity, session_id: str) -> None:
    """Typing is frequent: recorded only while the team is involved."""
    if await asyncio.to_thread(activity.wanted, session_id):
        await asyncio.to_thread(activity.typed, session_id, now=datetime.now(UTC))


async def _quietly(step: Awaitable[object]) -> None:
    """Presence is a courtesy to agents: a database hiccup must not break the chat."""
    try:
        await step
    except Exception:
        logger.exception("could not record the customer's activity")
