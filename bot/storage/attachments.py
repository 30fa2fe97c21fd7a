"""``SqlAttachments``: the files a customer and their agent sent each other (``bot.attachments``).

The team reads a file together with the conversation it belongs to (the console names it by a
handoff of that conversation): a file of another conversation is simply not found. The
customer's page reads it by its id alone (``by_id``): a random 128-bit id that only that
conversation's messages carry, so a shared link to a photo shows that photo and nothing else
of the conversation.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bot.attachments import MAX_PER_CONVERSATION, Attachment, AttachmentError
from bot.storage.engines import engine_for
from bot.storage.schema import attachments


class SqlAttachments:
    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

    def add(
        self,
        conversation_id: str,
        attachment: Attachment,
        data: bytes,
        *,
        sender: str,
        now: datetime,
    ) -> None:
        """Keep the file; ``AttachmentError`` when the conversation holds the most it may."""
        with self._engine.begin() as db:
            held = db.execute(
                sa.select(sa.func.count())
                .select_from(attachments)
                .where(attachments.c.conversation_id == conversation_id)
            ).scalar_one()
            if held >= MAX_PER_CONVERSATION:
                raise AttachmentError(
                    f"this conversation already has {MAX_PER_CONVERSATION} files: "
                    "please describe the rest in words"
                )
            db.execute(
                attachments.insert().values(
                    id=attachment.id,
                    conversation_id=conversation_id,
                    sender=sender[:255],
                    name=attachment.name,
                    content_type=attachment.type,
                    size=attachment.size,
                    data=data,
                    created_at=now,
                )
            )

    def get(self, conversation_id: str, attachment_id: str) -> tuple[Attachment, bytes] | None:
        """The file and its bytes, if it belongs to the conversation."""
        query = sa.select(attachments).where(
            attachments.c.id == attachment_id,
            attachments.c.conversation_id == conversation_id,
        )
        with self._engine.connect() as db:
            row = db.execute(query).mappings().first()
        if row is None:
            return None
        return _attachment(row), bytes(row["data"])

    def by_id(self, attachment_id: str) -> tuple[Attachment, bytes] | None:
        """The file and its bytes, by its id alone (the customer's page: see above)."""
        query = sa.select(attachments).where(attachments.c.id == attachment_id)
        with self._engine.connect() as db:
            row = db.execute(query).mappings().first()
        if row is None:
            return None
        return _attachment(row), bytes(row["data"])

    def describe(
        self, conversation_id: str, attachment_id: str, *, sender: str | None = None
    ) -> Attachment | None:
        """The file (not its bytes), if it belongs to the conversation (and was sent by
        ``sender``, when given)."""
        columns = [attachments.c[name] for name in ("id", "name", "content_type", "size")]
        query = sa.select(*columns).where(
            attachments.c.id == attachment_id,
            attachments.c.conversation_id == conversation_id,
        )
        if sender is not None:
            query = query.where(attachments.c.sender == sender)
        with self._engine.connect() as db:
            row = db.execute(query).mappings().first()
        return None if row is None else _attachment(row)


def _attachment(row: sa.RowMapping) -> Attachment:
    return Attachment(
        id=str(row["id"]),
        name=str(row["name"]),
        type=str(row["content_type"]),
        size=int(row["size"]),
    )
