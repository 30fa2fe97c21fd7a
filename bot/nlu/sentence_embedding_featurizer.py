"""Alias of ``bot.rasa_server.nlu.sentence_embedding_featurizer``
for models trained before the move."""

from bot.rasa_server.nlu.sentence_embedding_featurizer import SentenceEmbeddingFeaturizer

__all__ = ["SentenceEmbeddingFeaturizer"]
