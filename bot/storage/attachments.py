"""``SqlAttachments``: the files a customer and their agent sent each other (``bot.attachments``).

A file is read only together with the conversation it belongs to: whoever asks for one names
the conversation too (the customer's page its session, the console its handoff), and a file
of another conversation is simply not found.
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

    def describe(self, conversation_id: str, attachment_id: str) -> Attachment | None:
        """The file (not its bytes), if it belongs to the conversation."""
        columns = [attachments.c[name] for name in ("id", "name", "content_type", "size")]
        query = sa.select(*columns).where(
            attachments.c.id == attachment_id,
            attachments.c.conversation_id == conversation_id,
        )
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
