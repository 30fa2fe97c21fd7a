"""Sentence embeddings: the ``Embedder`` role and its sentence-transformers implementation.

Shared infrastructure (not a feature): the knowledge base and the NLU pipeline both embed
text with the same model, so they agree on what "similar in meaning" is.
"""

from bot.embeddings.base import Embedder
from bot.embeddings.sentence_transformer import (
    SentenceTransformerEmbedder,
    resolve_model_path,
)

__all__ = ["Embedder", "SentenceTransformerEmbedder", "resolve_model_path"]
