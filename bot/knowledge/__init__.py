"""The FAQ knowledge base: articles, the FAISS search index, answering and its evaluation.

Public surface: load articles (``load_articles``), build and load an index (``build_index``,
``load_index``, ``check_fresh``), search it (``KnowledgeSearcher``, ``ReloadingSearcher``),
and score or calibrate it against labelled queries (``evaluation``, ``calibration``).
"""

from bot.knowledge.articles import Article, load_articles
from bot.knowledge.search import (
    Decision,
    KnowledgeSearcher,
    Match,
    ReloadingSearcher,
    Searcher,
    SearchResult,
)
from bot.knowledge.search_config import SearchConfig, load_search_config, save_search_config
from bot.knowledge.store import (
    BUILD_HINT,
    KnowledgeIndex,
    Manifest,
    build_index,
    check_fresh,
    kb_fingerprint,
    load_index,
    read_manifest,
)
from bot.knowledge.vector_index import IndexKind

__all__ = [
    "BUILD_HINT",
    "Article",
    "Decision",
    "IndexKind",
    "KnowledgeIndex",
    "KnowledgeSearcher",
    "Manifest",
    "Match",
    "ReloadingSearcher",
    "SearchConfig",
    "SearchResult",
    "Searcher",
    "build_index",
    "check_fresh",
    "kb_fingerprint",
    "load_articles",
    "load_index",
    "load_search_config",
    "read_manifest",
    "save_search_config",
]
