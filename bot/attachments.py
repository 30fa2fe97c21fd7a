"""Files in a live chat (a photo of a faulty jacket, an invoice as PDF): what may be sent,
and how a message refers to one.

Only while a person from the team has the conversation: the customer sends a file to their
agent, the agent sends one to the customer (a customer's message refers only to a file that
customer sent). What a file is, is read from its first bytes,
never from its name or the type its sender claimed: PNG, JPEG, GIF and WebP images and PDF
documents, up to ``MAX_BYTES``. Anything else is refused with a message that says what is
accepted. Files are kept in the support desk's database (``bot.storage.attachments``), so every
web server of a cluster serves them, and are erased with their conversation.

A message with a file carries it in its metadata as flat values (``file``, ``file_name``,
``file_type``, ``file_size``; not Rasa's own ``attachment``, which its output channels would
send again as a link), always set by the server that checked the file: a client's own
``file...`` metadata is dropped. ``attachment_of`` reads it back.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

from bot.errors import SupportBotError

#: The largest file (bytes).
MAX_BYTES = 5 * 1024 * 1024
#: The most files one conversation may hold (a page that uploads in a loop stops here).
MAX_PER_CONVERSATION = 50
MAX_NAME = 120
#: Who sent a file: the customer, or ``agent:<name>``.
CUSTOMER = "customer"
#: The metadata key of a message's file (its id), and of the file in a ``bot_uttered``.
FILE = "file"
FILE_KEYS = frozenset({FILE, "file_name", "file_type", "file_size"})
_KEYS = (FILE, "file_name", "file_type", "file_size")
_ID = re.compile(r"^[0-9a-f]{32}$")
#: Accepted types, by the bytes they start with (WebP: "RIFF", 4 bytes of size, "WEBP").
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
)
_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}
ACCEPTED = "images (PNG, JPEG, GIF, WebP) and PDF documents up to 5 MB"


class AttachmentError(SupportBotError):
    """The file cannot be sent (its type, its size, or no agent to send it to)."""


class FileTooLargeError(AttachmentError):
    """Over ``MAX_BYTES``."""


class FileTypeError(AttachmentError):
    """Not one of the accepted types (by its bytes)."""


class NotWithAgentError(AttachmentError):
    """Files are sent only while a person from the team has the conversation."""


@dataclass(frozen=True)
class Attachment:
    """A stored file as messages and pages refer to it (never its bytes)."""

    id: str
    name: str
    type: str
    size: int

    @property
    def as_text(self) -> str:
        """The text of a message that is only this file ("📎 name"): what a client that cannot
        show files, or a transcript, shows (the widget writes the same)."""
        return f"📎 {self.name}"

    @property
    def is_image(self) -> bool:
        return self.type.startswith("image/")

    def metadata(self) -> dict[str, Any]:
        """The message metadata that refers to this file."""
        return dict(zip(_KEYS, (self.id, self.name, self.type, self.size), strict=True))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type, "size": self.size}


def new_id() -> str:
    return uuid.uuid4().hex


def valid_id(value: object) -> str | None:
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def content_type(data: bytes) -> str | None:
    """The file's type from its first bytes (None: not one that is accepted)."""
    for signature, offset, kind in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            if kind == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return kind
    return None


def checked(name: str, data: bytes) -> Attachment:
    """A new attachment for ``data`` (its type read from its bytes, its name made safe), or
    ``AttachmentError`` saying what is accepted."""
    if not data:
        raise AttachmentError("the file is empty")
    if len(data) > MAX_BYTES:
        raise FileTooLargeError(f"the file is too large: you can send {ACCEPTED}")
    kind = content_type(data)
    if kind is None:
        raise FileTypeError(f"this kind of file cannot be sent: you can send {ACCEPTED}")
    return Attachment(new_id(), safe_name(name, kind), kind, len(data))


def safe_name(name: str, kind: str) -> str:
    """The name shown and offered on download: the last path part, printable, short, with the
    extension of what the file really is."""
    base = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '"<>|:*?').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    extension = _EXTENSIONS[kind]
    return (stem[: MAX_NAME - len(extension)] or "file") + extension


def attachment_of(metadata: object) -> Attachment | None:
    """The file a message's metadata refers to (None: none, or not well formed)."""
    if not isinstance(metadata, dict):
        return None
    file_id, name, kind, size = (metadata.get(key) for key in _KEYS)
    if valid_id(file_id) is None or kind not in _EXTENSIONS:
        return None
    if not isinstance(name, str) or not isinstance(size, int) or isinstance(size, bool):
        return None
    return Attachment(str(file_id), name, str(kind), size)


def only_a_file(text: str, metadata: object) -> bool:
    """The message is a file sent on its own: its text only the file's name (as the widget
    and the desk write it, "📎 name"). A name is not the sender's words."""
    attachment = attachment_of(metadata)
    return attachment is not None and text.strip() in (attachment.as_text, attachment.name)
