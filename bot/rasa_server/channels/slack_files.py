"""Files between a Slack customer and their agent (``bot.attachments``), both ways.

* **From the customer**: a Slack message may share files (``event.files``). While a person from
  the team has the conversation, each is downloaded from Slack with the bot's token (only from
  Slack's own file host over https, or the configured API's host; no redirects; at most
  ``MAX_BYTES``), checked by its
  bytes and kept like a website customer's (``SqlAttachments``); the agent sees it in the
  console. Otherwise the customer is told why it was not passed on.
* **From the agent**: a desk message with a file is uploaded to the customer's Slack channel
  (Slack's ``files.getUploadURLExternal`` / ``files.completeUploadExternal`` through
  ``slack_sdk``'s ``files_upload_v2``), with the message as its comment. If Slack refuses it,
  the message goes alone, with the file's name. (An upload that timed out after Slack took it
  would then arrive as the file and the message.) Erasing a conversation erases supportbot's
  copy; what was shared in Slack stays in the workspace, as its messages do.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.attachments import ACCEPTED, CUSTOMER, MAX_BYTES, Attachment, AttachmentError, checked
from bot.handoff.lifecycle import Status
from bot.storage.attachments import SqlAttachments
from bot.storage.handoffs import SqlHandoffQueue

logger = logging.getLogger(__name__)

#: Slack's host for files (``url_private_download``).
SLACK_FILES_HOST = "files.slack.com"
#: The most files of one Slack message passed on.
MAX_FILES = 5
DOWNLOAD_TIMEOUT = 30
NOT_WITH_AGENT = (
    "I can't look at files myself: they reach our team while you chat with a person. "
    "Please describe it in words, or ask for a person."
)


@dataclass(frozen=True)
class Received:
    """What became of a Slack message's files: those kept, and why others were not."""

    kept: list[Attachment]
    problems: list[str]


class SlackFiles:
    def __init__(
        self,
        store: SqlAttachments,
        queue: SqlHandoffQueue,
        *,
        token: str,
        api_url: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.queue = queue
        self.token = token
        self.clock = clock
        api = urllib.parse.urlsplit(api_url)
        # Slack's file host over https, and the configured API's own host (a local fake of
        # Slack in the tests, on http): the bot's token goes nowhere else.
        self._origins = {("https", SLACK_FILES_HOST), (api.scheme, api.hostname or "")}

    async def receive(self, conversation_id: str, files: list[Any]) -> Received:
        """Keep the files a customer shared (see the module docstring)."""
        shared = [f for f in files if isinstance(f, dict)][:MAX_FILES]
        if not shared:
            return Received([], [])
        handoff = await asyncio.to_thread(self.queue.open_for, conversation_id)
        if handoff is None or handoff.status is not Status.ASSIGNED:
            return Received([], [NOT_WITH_AGENT])
        kept, problems = [], []
        for file in shared:
            name = str(file.get("name") or file.get("title") or "file")
            try:
                data = await self._download(file)
                attachment = checked(name, data)
                await asyncio.to_thread(
                    self.store.add,
                    conversation_id,
                    attachment,
                    data,
                    sender=CUSTOMER,
                    now=self.clock(),
                )
            except AttachmentError as exc:
                problems.append(f"{name} was not passed on: {exc.message}.")
                continue
            kept.append(attachment)
        return Received(kept, problems)

    async def _download(self, file: dict[str, Any]) -> bytes:
        size = file.get("size")
        if isinstance(size, int) and size > MAX_BYTES:
            raise AttachmentError(f"it is too large: you can send {ACCEPTED}")
        url = str(file.get("url_private_download") or file.get("url_private") or "")
        parts = urllib.parse.urlsplit(url)
        if (parts.scheme, parts.hostname or "") not in self._origins or not parts.hostname:
            logger.warning("a Slack file from an unexpected address was not downloaded")
            raise AttachmentError("it could not be read from Slack")
        headers = {"Authorization": f"Bearer {self.token}"}
        timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url, headers=headers, allow_redirects=False) as reply,
            ):
                if reply.status != 200:
                    raise AttachmentError("it could not be read from Slack")
                chunks, read = [], 0
                async for chunk in reply.content.iter_chunked(64 * 1024):
                    read += len(chunk)
                    if read > MAX_BYTES:  # reading stops here
                        raise AttachmentError(f"it is too large: you can send {ACCEPTED}")
                    chunks.append(chunk)
        except (aiohttp.ClientError, TimeoutError):
            raise AttachmentError("it could not be read from Slack") from None
        return b"".join(chunks)

    async def upload(
        self,
        client: Any,
        conversation_id: str,
        attachment: Attachment,
        *,
        channel: str,
        thread: str | None,
        comment: str,
    ) -> bool:
        """Share an agent's file in the customer's channel; False when it cannot be (the
        caller then posts the message alone)."""
        found = await asyncio.to_thread(self.store.get, conversation_id, attachment.id)
        if found is None:
            return False
        stored, data = found
        try:
            await client.files_upload_v2(
                channel=channel,
                file=data,
                filename=stored.name,
                title=stored.name,
                initial_comment=comment,
                thread_ts=thread,
            )
        except Exception:  # Slack refused or is away: the message still goes, by its name
            logger.exception("a file could not be shared in Slack")
            return False
        return True
