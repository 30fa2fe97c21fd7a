"""Slack (``POST /webhooks/slack/webhook``): Rasa's Slack channel, extended.

Customers talk to the bot in direct messages and by mentioning it in channels; with threads
on, it answers in a thread under their message. What this adds to Rasa's channel:

* configuration from ``SUPPORTBOT_SLACK_*`` (see ``bot.settings.SlackSettings``); without it
  the webhook answers 404 "Slack is not configured";
* a request without a valid signature (or older than five minutes) gets **401** and nothing
  is processed;
* a retried or replayed delivery is acknowledged but not answered again (``SqlSlackEventLog``),
  including the same message arriving as both ``message`` and ``app_mention``;
* replies use Slack's mrkdwn, escaped, and any number of buttons (Rasa drops all buttons
  above five); the Web API base URL is configurable (tests use a local fake of Slack);
* conversation ids start with ``slack-`` (``identity``), so no other channel can name one;
* files: a customer's shared files reach their agent, and an agent's file is shared in the
  customer's channel (``slack_files``);
* every message gets the checks all channels share (``customer_turns``: one length limit,
  button payloads only as offered, never silent); a clicked button's label is kept with the
  message, so transcripts show what the customer chose.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.attachments import attachment_of
from bot.conversations.events import BUTTON_TITLE
from bot.rasa_server.channels.customer_turns import customer_turns
from bot.rasa_server.channels.identity import slack_conversation_id, slack_recipient
from bot.rasa_server.channels.slack_files import Received, SlackFiles
from bot.services import services_for
from bot.settings import Settings, SlackSettings
from bot.slack_format import button_blocks, to_mrkdwn
from bot.storage.slack_events import SqlSlackEventLog

logger = logging.getLogger(__name__)


class SupportSlackBot(SlackBot):
    """Posts replies with the official client at the configured API URL, and counts them."""

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        *,
        api_url: str,
        files: SlackFiles | None = None,
    ) -> None:
        super().__init__(token, slack_channel, thread_id)
        self.client = AsyncWebClient(token=token, base_url=api_url)
        self.files = files
        self.sent = 0

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        kwargs.pop("as_user", None)  # not for bot tokens
        await super()._post_message(channel, **kwargs)
        self.sent += 1

    def _destination(self, recipient_id: str, kwargs: dict[str, Any]) -> str:
        """Where to post: the customer's Slack channel and thread when the message says so
        (messages from the support desk carry them), else this output's own."""
        channel = kwargs.get("slack_channel")
        if isinstance(channel, str) and channel:
            thread = kwargs.get("slack_thread")
            self.thread_id = thread if isinstance(thread, str) and thread else None
            return channel
        return self.slack_channel or slack_recipient(recipient_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        recipient = self._destination(recipient_id, kwargs)
        agent = kwargs.get("agent")
        attachment = attachment_of(kwargs)
        if attachment is not None and self.files is not None:  # an agent's file
            comment = to_mrkdwn(text.strip())
            if isinstance(agent, str) and agent:
                comment = f"*{to_mrkdwn(agent)} (support team):* {comment}"
            if await self.files.upload(
                self.client,
                recipient_id,
                attachment,
                channel=recipient,
                thread=self.thread_id,
                comment=comment,
            ):
                self.sent += 1
                return
        for number, part in enumerate(text.strip().split("\n\n")):
            body = to_mrkdwn(part)
            if isinstance(agent, str) and agent and number == 0:
                body = f"*{to_mrkdwn(agent)} (support team):* {body}"
            await self._post_message(channel=recipient, text=body, mrkdwn=True)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        recipient = self._destination(recipient_id, kwargs)
        await self._post_message(
            channel=recipient, text=to_mrkdwn(text), blocks=button_blocks(text, buttons)
        )


class SupportSlackInput(SlackInput):
    """Rasa's ``slack`` channel with the additions in the module docstring."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SupportSlackInput:
        return cls(Settings.from_env())

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.slack: SlackSettings | None = settings.slack
        self._background_tasks: set[asyncio.Task[Any]] = set()
        self.files: SlackFiles | None = None
        if self.slack is None:
            return
        services = services_for(settings)
        self.files = SlackFiles(
            services.attachments(),
            services.handoff_queue,
            token=self.slack.bot_token,
            api_url=self.slack.api_url,
        )
        super().__init__(
            slack_token=self.slack.bot_token,
            slack_channel=self.slack.channel,
            slack_signing_secret=self.slack.signing_secret,
            use_threads=self.slack.use_threads,
            conversation_granularity=self.slack.conversation_granularity,
        )

    def _get_conversation_id(
        self, sender_id: str | None, channel_id: str | None, thread_id: str | None
    ) -> str | None:
        """Rasa's id for the conversation, in Slack's namespace (``slack-U0123...``)."""
        conversation = super()._get_conversation_id(sender_id, channel_id, thread_id)
        return slack_conversation_id(conversation) if conversation else None

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None
    ) -> OutputChannel:
        assert self.slack is not None
        return SupportSlackBot(
            self.slack.bot_token,
            channel or self.slack.channel,
            thread_id,
            api_url=self.slack.api_url,
            files=self.files,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("slack_webhook", __name__)
        handle = customer_turns(on_new_message, settings=self.settings)
        handled = services_for(self.settings).slack_event_log() if self.slack else None

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.slack else "not configured"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.slack is None or handled is None:
                return response.json({"error": "Slack is not configured"}, status=404)
            if not self.is_request_from_slack_authentic(request):
                return response.text("invalid Slack signature", status=HTTPStatus.UNAUTHORIZED)
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
            if content_type == "application/json":
                return await self._event(request, handle, handled)
            if content_type == "application/x-www-form-urlencoded":
                return await self._interaction(request, handle, handled)
            return response.text("unsupported content type", status=HTTPStatus.BAD_REQUEST)

        return webhook

    async def _event(
        self,
        request: Request,
        handle: Callable[[UserMessage], Awaitable[Any]],
        handled: SqlSlackEventLog,
    ) -> HTTPResponse:
        body = request.json or {}
        if body.get("type") == "url_verification":
            return response.json({"challenge": body.get("challenge")})
        given = body.get("event")
        event: dict[str, Any] = given if isinstance(given, dict) else {}
        files = event.get("files") if isinstance(event.get("files"), list) else []
        if not self._is_user_message(body) and not (files and _from_a_person(event)):
            return response.text("not a customer message")
        metadata = self.get_metadata(request)
        if not self._is_supported_channel(body, metadata):
            return response.text("channel not supported")
        # The same message can arrive as `message` and as `app_mention`: key on the message.
        key = f"message:{event.get('channel')}:{event.get('ts')}"
        if not handled.first_time(key):
            return already_handled()
        sender = event.get("user", "")
        conversation_id = self._get_conversation_id(
            sender, metadata.get("out_channel"), metadata.get("thread_id")
        )
        text = self._sanitize_user_message(event.get("text") or "", metadata.get("users"))
        if files and conversation_id:
            return self._in_background(
                self._with_files(handle, text, files, conversation_id, metadata)
            )
        return self._dispatch(handle, text, conversation_id, metadata)

    async def _interaction(
        self,
        request: Request,
        handle: Callable[[UserMessage], Awaitable[Any]],
        handled: SqlSlackEventLog,
    ) -> HTTPResponse:
        try:
            payload = json.loads(request.form["payload"][0])
        except (KeyError, IndexError, ValueError):
            return response.text("no payload", status=HTTPStatus.BAD_REQUEST)
        if not self._is_interactive_message(payload):
            return response.text("interaction not supported")
        action = payload["actions"][0]
        value = self._get_interactive_response(action)
        if value is None:
            return response.text("nothing to do")  # e.g. a link button
        user = payload.get("user", {}).get("id", "")
        if not handled.first_time(f"action:{user}:{action.get('action_ts')}"):
            return already_handled()
        metadata = self.get_metadata(request)
        label = (action.get("text") or {}).get("text")
        if isinstance(label, str):
            metadata[BUTTON_TITLE] = label
        conversation_id = self._get_conversation_id(
            user, metadata.get("out_channel"), metadata.get("thread_id")
        )
        return self._dispatch(handle, value, conversation_id, metadata)

    def _dispatch(
        self,
        handle: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        conversation_id: str | None,
        metadata: dict[str, Any],
    ) -> HTTPResponse:
        """Answer in the background: Slack wants its 200 within three seconds."""
        if not conversation_id:  # no Slack user: Rasa would file it under "default"
            return response.text("not a customer message")
        return self._in_background(handle(self._message(text, conversation_id, metadata)))

    def _message(self, text: str, conversation_id: str, metadata: dict[str, Any]) -> UserMessage:
        assert self.slack is not None
        channel = str(metadata.get("out_channel") or "")
        in_direct_message = channel.startswith("D")  # DM channel ids start with D
        threaded = self.slack.use_threads and not in_direct_message
        thread_id = metadata.get("thread_id") if threaded else None
        return UserMessage(
            text,
            self.get_output_channel(metadata.get("out_channel"), thread_id),
            conversation_id,
            input_channel=self.name(),
            metadata=metadata,
        )

    def _in_background(self, work: Awaitable[Any]) -> HTTPResponse:
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)
        return response.text("")

    async def _with_files(
        self,
        handle: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        files: list[Any],
        conversation_id: str,
        metadata: dict[str, Any],
    ) -> None:
        """A message that shares files: each file kept reaches the agent as a message of its
        own (the first with the text); a file that was not says why to the customer."""
        assert self.files is not None
        try:
            received = await self.files.receive(conversation_id, files)
        except Exception:  # the database away: the words still go through
            logger.exception("could not keep a Slack customer's files")
            received = Received(
                [], ["Your file could not be passed on just now: please try again."]
            )
        for number, attachment in enumerate(received.kept):
            words = text if number == 0 and text.strip() else attachment.as_text
            await handle(
                self._message(words, conversation_id, {**metadata, **attachment.metadata()})
            )
        if not received.kept and text.strip():
            await handle(self._message(text, conversation_id, metadata))
        if received.problems:
            output = self._message("", conversation_id, metadata).output_channel
            await output.send_text_message(conversation_id, "\n\n".join(received.problems))


def _from_a_person(event: dict[str, Any]) -> bool:
    """A message a person sent (a file share has no text), not one of a bot's."""
    return event.get("type") in ("message", "app_mention") and not event.get("bot_id")


def already_handled() -> HTTPResponse:
    return response.text("already handled", headers={"X-Slack-No-Retry": "1"})
