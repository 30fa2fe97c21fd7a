"""Passing a message's embedding from the Rasa server to the action server.

The NLU pipeline embeds every message; the action server searches the knowledge base with the
same model. Instead of a second forward pass, the vector travels in Rasa's parse data (and so
is stored with the message, which later analysis can reuse). It is tagged with the model id:
a vector from another model is never used.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from bot.embeddings.base import Vectors

#: Key of the shared embedding in Rasa's parse data.
TEXT_EMBEDDING = "text_embedding"
#: Key of the message's vector in the knowledge base's tuned encoder, when it has one
#: (``bot.rasa_server.nlu.knowledge_query_encoder``).
KB_EMBEDDING = "kb_embedding"


def encode_vector(vector: Vectors, *, model_id: str) -> dict[str, Any]:
    """A compact, JSON-safe form (float16, base64: about 1 KB for 384 dimensions)."""
    data = np.asarray(vector, dtype=np.float16).reshape(-1).tobytes()
    return {"model": model_id, "dtype": "float16", "vector": base64.b64encode(data).decode("ascii")}


def decode_vector(
    payload: object, *, model_id: str | None, dimension: int | None
) -> Vectors | None:
    """The vector, if ``payload`` holds one from ``model_id`` with ``dimension`` values.

    ``None`` for either accepts any (when only vectors of one payload family are compared).
    """
    if not isinstance(payload, dict) or (model_id is not None and payload.get("model") != model_id):
        return None
    if payload.get("dtype") != "float16" or not isinstance(payload.get("vector"), str):
        return None
    try:
        raw = base64.b64decode(payload["vector"], validate=True)
        vector = np.frombuffer(raw, dtype=np.float16).astype(np.float32)
    except ValueError:
        return None
    if vector.ndim != 1 or (dimension is not None and vector.shape != (dimension,)):
        return None
    if not vector.size or not np.isfinite(vector).all():
        return None
    norm = float(np.linalg.norm(vector))
    return (vector / norm).reshape(1, -1) if norm > 0 else None
