"""``ChatFiles``: files sent in a live chat through the website and the console.

A customer may send a file only while a person from the team has their conversation (the bot
would not know what to do with it); their page then sends a message referring to it, which the
socket.io channel checks against this store. An agent sends one with a message of their own
(``SupportDesk.say``), which the customer's page shows inline and Slack receives as a file.
A file is served to the customer's page by its own random id (a link to one file shows that
file only, never the conversation), and to the team by any handoff of its conversation
(``SqlAttachments``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from bot.accounts import Agent
from bot.attachments import CUSTOMER, Attachment, NotWithAgentError, checked
from bot.desk.desk import MAX_AGENT_MESSAGE, SupportDesk
from bot.errors import HandoffError
from bot.handoff.lifecycle import Status
from bot.storage.attachments import SqlAttachments


def file_message(attachment: Attachment, text: str = "") -> str:
    """The text of a message carrying a file: what was written with it, else the file's name
    (what a client that cannot show files, or a transcript, shows)."""
    return text.strip() or attachment.as_text


class ChatFiles:
    def __init__(
        self, desk: SupportDesk, store: SqlAttachments, *, clock: Callable[[], datetime]
    ) -> None:
        self.desk = desk
        self.store = store
        self.clock = clock

    async def may_receive(self, conversation_id: str) -> None:
        """``NotWithAgentError`` unless a person from the team has the conversation (checked
        before an upload is read, and again when it is kept)."""
        handoff = await asyncio.to_thread(self.desk.queue.open_for, conversation_id)
        if handoff is None or handoff.status is not Status.ASSIGNED:
            raise NotWithAgentError("files can be sent while you chat with a person from our team")

    async def from_customer(self, conversation_id: str, name: str, data: bytes) -> Attachment:
        """Keep a file the customer sends their agent (``AttachmentError``: not now, or not
        this file)."""
        await self.may_receive(conversation_id)
        attachment = checked(name, data)
        await asyncio.to_thread(
            self.store.add, conversation_id, attachment, data, sender=CUSTOMER, now=self.clock()
        )
        return attachment

    async def from_agent(
        self, handoff_id: str, agent: Agent, *, name: str, data: bytes, text: str = ""
    ) -> tuple[Attachment, bool]:
        """Keep the agent's file and send it with ``text``: the file, and whether the customer
        has it now (otherwise it is delivered as soon as Rasa is back)."""
        if len(text.strip()) > MAX_AGENT_MESSAGE:  # said before the file is kept
            raise HandoffError(f"a message can be up to {MAX_AGENT_MESSAGE} characters")
        handoff = await self.desk.owned(handoff_id, agent)
        attachment = checked(name, data)
        await asyncio.to_thread(
            self.store.add,
            handoff.conversation_id,
            attachment,
            data,
            sender=f"agent:{agent.name}",
            now=self.clock(),
        )
        message = file_message(attachment, text)
        delivered = await self.desk.say(handoff_id, agent, message, attachment=attachment)
        return attachment, delivered

    async def for_customer(self, attachment_id: str) -> tuple[Attachment, bytes] | None:
        """A file by its id alone (the customer's page; see the module docstring)."""
        return await asyncio.to_thread(self.store.by_id, attachment_id)

    async def for_team(
        self, handoff_id: str, attachment_id: str
    ) -> tuple[Attachment, bytes] | None:
        """A file of the handoff's conversation (``HandoffNotFoundError`` for no handoff)."""
        handoff = await asyncio.to_thread(self.desk.queue.get, handoff_id)
        return await asyncio.to_thread(self.store.get, handoff.conversation_id, attachment_id)
