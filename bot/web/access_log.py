"""The web service's access log, without secrets: the query string (where ``/api/live`` gets its
bearer token) is never written, and conversation ids in paths (a website conversation's id
reads its history and sends files) and website files' ids (each opens its file) are written as
their ``conversation_ref``."""

from __future__ import annotations

import re

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

from bot.privacy.log_ids import conversation_ref

#: Paths whose last part is a conversation id, or a website file's id (which opens the file).
_CONVERSATION_PATH = re.compile(
    r"^(/widget/history/|/widget/attachments/|/widget/files/|/api/dashboard/conversations/)"
    r"([^/]+)$"
)


def loggable_path(path: str) -> str:
    """``path`` as the access log writes it (no query; conversation ids as references)."""
    match = _CONVERSATION_PATH.match(path)
    if match is None:
        return path
    return match.group(1) + conversation_ref(match.group(2))


class PrivateAccessLogger(AbstractAccessLogger):
    """One line per request: client, method, loggable path, status, bytes, milliseconds."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %s %.1fms',
            request.remote,
            request.method,
            loggable_path(request.path),
            response.status,
            response.body_length,
            time * 1000,
        )
