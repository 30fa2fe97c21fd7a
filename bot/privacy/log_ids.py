"""How logs name a conversation without giving its id away.

A website conversation's id is its chat page's session id: whoever knows it can read the
conversation's history (``/widget/history/<id>``) and write into it. Logs are read by more
people than should have that, so they name a conversation by ``conversation_ref``: a short
hash that tells log lines of one conversation apart and matches ``conversation_ref`` of the id
when someone who has the id looks it up, but cannot be turned back into the id.
"""

from __future__ import annotations

import hashlib


def conversation_ref(conversation_id: str) -> str:
    """``c-`` and 12 hex digits of the id's SHA-256 (the same id, the same reference)."""
    return "c-" + hashlib.sha256(conversation_id.encode("utf-8", "replace")).hexdigest()[:12]
