"""Files over HTTP, for the widget's and the agent API's file routes: reading an upload (a
``multipart/form-data`` form with a ``file`` field and an optional ``text``; a body longer than
a file and its form is refused before it is read, and no part is read past its limit) and
answering with a stored file so that no browser runs it.

A stored file is served with the type read from its bytes, ``nosniff``, a sandboxing
Content-Security-Policy (a PDF or image opened on its own can run nothing and reach nothing),
kept privately for ``KEEP_SECONDS`` (a console that redraws a conversation does not fetch its
photos again; a file never changes), and as a download unless it is an image.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from aiohttp import BodyPartReader, MultipartReader, web

from bot.attachments import (
    ACCEPTED,
    MAX_BYTES,
    Attachment,
    AttachmentError,
    FileTooLargeError,
    FileTypeError,
    NotWithAgentError,
)

#: The longest text sent with a file (bytes; the desk limits it in characters).
MAX_TEXT_BYTES = 20_000
#: What a form may add to its file and text (boundaries, part headers).
FORM_OVERHEAD = 16 * 1024
MAX_BODY = MAX_BYTES + MAX_TEXT_BYTES + FORM_OVERHEAD
#: How long a browser may keep a file it was served (seconds; privately: no shared cache).
KEEP_SECONDS = 600
_CHUNK = 64 * 1024
FILE_POLICY = "default-src 'none'; sandbox"


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes
    text: str = ""


async def read_upload(request: web.Request) -> Upload:
    """The ``file`` (and optional ``text``) of a multipart form; ``AttachmentError`` when
    there is none, or it is over the limit (reading stops there)."""
    if not request.content_type.startswith("multipart/"):
        raise AttachmentError("send the file as multipart/form-data in a field named 'file'")
    length = request.content_length
    if length is None:  # a chunked body could be any size
        raise AttachmentError("send the upload with its Content-Length")
    if length > MAX_BODY:
        raise FileTooLargeError(f"the file is too large: you can send {ACCEPTED}")
    try:
        return await _read_form(await request.multipart())
    except (ValueError, AssertionError, LookupError):  # a malformed form
        raise AttachmentError("the upload could not be read") from None


async def _read_form(reader: MultipartReader) -> Upload:
    """One ``file`` and at most one ``text``, in either order; any other part is refused."""
    name, data, text = "", None, None
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise AttachmentError("send one file, and its text, as a flat form")
        if part.name == "file" and data is None:
            too_large = FileTooLargeError(f"the file is too large: you can send {ACCEPTED}")
            name, data = part.filename or "", await _read(part, MAX_BYTES, too_large)
        elif part.name == "text" and text is None:
            raw = await _read(part, MAX_TEXT_BYTES, AttachmentError("the text is too long"))
            text = raw.decode("utf-8", errors="replace")
        else:
            raise AttachmentError("send one 'file' (and an optional 'text'), one at a time")
    if data is None:
        raise AttachmentError("send the file as multipart/form-data in a field named 'file'")
    return Upload(name, data, text or "")


async def _read(part: BodyPartReader, limit: int, too_large: AttachmentError) -> bytes:
    chunks, size = [], 0
    while chunk := await part.read_chunk(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def upload_status(error: AttachmentError) -> int:
    """The HTTP status for a file that cannot be sent."""
    if isinstance(error, FileTooLargeError):
        return 413
    if isinstance(error, FileTypeError):
        return 415
    if isinstance(error, NotWithAgentError):
        return 409
    return 400


def file_response(
    attachment: Attachment, data: bytes, *, shared_with_other_sites: bool = False
) -> web.Response:
    """The stored file, served so that it is never run (see the module docstring). A file
    for the widget may be shown on the company's own site (another origin)."""
    disposition = "inline" if attachment.is_image else "attachment"
    quoted = urllib.parse.quote(attachment.name, safe="")
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quoted}",
        "Cache-Control": f"private, max-age={KEEP_SECONDS}",
        "Content-Security-Policy": FILE_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "cross-origin"
        if shared_with_other_sites
        else "same-origin",
    }
    return web.Response(body=data, content_type=attachment.type, headers=headers)
