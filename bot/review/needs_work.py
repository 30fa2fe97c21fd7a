"""Articles needing work: when the bot answered a group wrongly and the article itself is at
fault, a lead marks the article (the decision ``article_needs_work``) instead of labelling the
messages.

``article_to_mark`` says which article a decision marks: the one named, or by default the one
the bot answered the group wrongly with (most often); a group never answered wrongly needs the
article named. Marking writes nothing into the project: the review audit keeps the decision,
and ``articles_needing_work`` reads the marks back with each article's wrong answers in the
inbox, its question and when it was last reviewed.

Also the knowledge base as the review loop reads it: ``article_path`` (an article's file, and
only inside the knowledge base) and ``readable_articles``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bot.knowledge.articles import Article, load_articles
from bot.review.inbox import ArticleNeedingWork, ReviewItem
from bot.review.training_data import TrainingDataError
from bot.storage.review import SqlReviewInbox

logger = logging.getLogger(__name__)


def article_to_mark(item: ReviewItem, named: str | None, *, kb_dir: Path) -> str:
    """The article a needs-work decision on ``item`` marks: ``named``, or by default the one
    the bot answered the group wrongly with; only an article of the knowledge base."""
    article = named or item.wrongly_answered_with
    if article is None:
        raise TrainingDataError(
            "the bot answered none of this group's messages wrongly",
            hint="name the article that needs work",
        )
    article_path(kb_dir, article)
    return article


def articles_needing_work(inbox: SqlReviewInbox, *, kb_dir: Path) -> list[ArticleNeedingWork]:
    """The articles leads marked as needing work, those not reviewed since first, then by
    wrong answers."""
    marks: dict[str, list[dict[str, Any]]] = {}
    for mark in inbox.needs_work_marks():
        if mark["article"]:
            marks.setdefault(str(mark["article"]), []).append(mark)
    counts = inbox.wrong_answer_counts(sorted(marks))
    articles = {a.id: a for a in readable_articles(kb_dir)}
    found = [
        ArticleNeedingWork(
            article=article,
            wrong_answers=counts.get(article, 0),
            marks=len(made),
            marked_at=made[-1]["at"],
            marked_by=made[-1]["actor"],
            items=[m["item_id"] for m in made if m["item_id"] is not None],
            question=articles[article].question if article in articles else None,
            last_reviewed=articles[article].last_reviewed if article in articles else None,
        )
        for article, made in marks.items()
    ]
    return sorted(found, key=lambda a: (a.reviewed_since_marked, -a.wrong_answers, a.article))


def article_path(kb_dir: Path, article_id: str) -> Path:
    """The file of the knowledge-base article ``article_id`` (its file name without .md)."""
    # Only a file of the knowledge base: "../x" or "a/../../x" must not reach outside it.
    kb = kb_dir.resolve()
    found = [
        p
        for p in kb.rglob("*.md")
        if p.stem == article_id and p.is_file() and p.resolve().is_relative_to(kb)
    ]
    if not found:
        raise TrainingDataError(
            f"no knowledge-base article {article_id!r}",
            hint=f"the id is the file name without .md, under {kb_dir}",
        )
    return found[0]


def readable_articles(kb_dir: Path) -> list[Article]:
    """The knowledge base's articles; none (and a warning) when it cannot be read."""
    try:
        return load_articles(kb_dir)
    except Exception as exc:  # a broken article must not hide the rest of the inbox
        logger.warning("knowledge base not read: %s", exc)
        return []
