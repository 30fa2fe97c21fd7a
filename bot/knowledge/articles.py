"""FAQ articles: the human-editable source of the knowledge base.

Two sources are understood:

* a folder of Markdown files, one article each (``knowledge_base/<category>/<id>.md``)::

      ---
      question: How do I return an item?
      variants:
        - how do i send something back
      category: returns
      link: https://fernhill.example/help/returns
      last_reviewed: 2026-11-01
      ---
      The answer, in Markdown. It may use business facts: {{ return_window_days }} days.

  The file name (without ``.md``) is the article's id. ``README.md`` files are skipped, and
  so are translations, ``<id>.<language>.md`` (``bot.knowledge.translations``).

* a CSV file with the columns ``id,question,answer`` (optionally ``category``, ``link``,
  ``last_reviewed``) and several rows per id for question variants: the first row's question
  is the main one, the others become variants.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeBaseError

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)
_ALLOWED_FIELDS = {"question", "variants", "category", "link", "last_reviewed"}
#: A translation's file name without ``.md``: the article's id, then its language's code.
TRANSLATION_STEM = re.compile(r"^(?P<id>[a-z0-9][a-z0-9_-]*)\.(?P<language>[a-z]{2,3})$")
#: The language articles are written in; translations name theirs.
ARTICLE_LANGUAGE = "en"


@dataclass(frozen=True)
class Article:
    """One FAQ article: a question, its other phrasings, and the answer."""

    id: str
    question: str
    variants: tuple[str, ...]
    answer: str
    category: str
    link: str | None = None
    last_reviewed: date | None = None
    source: str = ""
    #: The language it is written in: English, or a translation's (same id as the original).
    language: str = ARTICLE_LANGUAGE

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The question first, then its variants: everything the search index embeds."""
        return (self.question, *self.variants)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "variants": list(self.variants),
            "answer": self.answer,
            "category": self.category,
            "link": self.link,
            "last_reviewed": self.last_reviewed.isoformat() if self.last_reviewed else None,
            "source": self.source,
            **({} if self.language == ARTICLE_LANGUAGE else {"language": self.language}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Article:
        reviewed = data.get("last_reviewed")
        return cls(
            id=data["id"],
            question=data["question"],
            variants=tuple(data.get("variants") or ()),
            answer=data["answer"],
            category=data["category"],
            link=data.get("link"),
            last_reviewed=date.fromisoformat(reviewed) if reviewed else None,
            source=data.get("source", ""),
            language=data.get("language", ARTICLE_LANGUAGE),
        )


def load_articles(source: Path) -> list[Article]:
    """Load and validate every article from a folder or a CSV file; all problems at once."""
    if source.is_dir():
        articles, problems = _load_folder(source)
    elif source.is_file() and source.suffix.lower() == ".csv":
        articles, problems = _load_csv(source)
    elif source.exists():
        raise KnowledgeBaseError(
            f"{source}: not a folder of articles or a .csv file",
            hint="pass a knowledge-base folder or a CSV with columns id,question,answer",
        )
    else:
        raise KnowledgeBaseError(f"knowledge base not found: {source}")

    problems.extend(_duplicate_ids(articles))
    if not articles and not problems:
        problems.append(f"{source}: no articles found")
    if problems:
        listed = "\n  - ".join(problems)
        raise KnowledgeBaseError(
            f"the knowledge base has {len(problems)} problem(s):\n  - {listed}",
            hint="fix the files named above and build again",
        )
    return sorted(articles, key=lambda a: a.id)


def parse_article(text: str, *, article_id: str, source: str) -> Article:
    """Parse one Markdown article with YAML front matter (raises with every problem found)."""
    problems: list[str] = []
    article = parse_markdown(text, article_id=article_id, source=source, problems=problems)
    if problems or article is None:
        raise KnowledgeBaseError("; ".join(problems) or f"{source}: invalid article")
    return article


def _load_folder(folder: Path) -> tuple[list[Article], list[str]]:
    articles: list[Article] = []
    problems: list[str] = []
    for path in sorted(folder.rglob("*.md")):
        if path.name.lower() == "readme.md" or TRANSLATION_STEM.match(path.stem):
            continue
        rel = path.relative_to(folder).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(f"{rel}: not UTF-8 text")
            continue
        article = parse_markdown(text, article_id=path.stem, source=rel, problems=problems)
        if article is not None:
            articles.append(article)
    return articles, problems


def parse_markdown(
    text: str, *, article_id: str, source: str, problems: list[str]
) -> Article | None:
    """One Markdown article, or None with what is wrong added to ``problems``."""
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        problems.append(f"{source}: must start with front matter between '---' lines")
        return None
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        problems.append(f"{source}: front matter is not valid YAML ({exc})")
        return None
    if not isinstance(meta, dict):
        problems.append(f"{source}: front matter must be a mapping of field: value")
        return None
    before = len(problems)
    unknown = sorted(set(meta) - _ALLOWED_FIELDS)
    if unknown:
        problems.append(
            f"{source}: unknown field(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(sorted(_ALLOWED_FIELDS))})"
        )
    if not _ID.match(article_id):
        problems.append(
            f"{source}: file name must be lowercase letters, digits, '-' or '_' (it is the id)"
        )
    question = _required_text(meta, "question", source, problems)
    category = _required_text(meta, "category", source, problems)
    variants = _variants(meta.get("variants"), source, problems)
    answer = match.group(2).strip()
    if not answer:
        problems.append(f"{source}: the answer (text after the front matter) is empty")
    link = _link(meta.get("link"), source, problems)
    reviewed = _date(meta.get("last_reviewed"), source, problems, required=True)
    if len(problems) > before:
        return None
    return Article(
        id=article_id,
        question=question,
        variants=variants,
        answer=answer,
        category=category,
        link=link,
        last_reviewed=reviewed,
        source=source,
    )


def _load_csv(path: Path) -> tuple[list[Article], list[str]]:
    problems: list[str] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            fields = set(rows[0].keys()) if rows else set()
    except UnicodeDecodeError:
        return [], [f"{path.name}: not UTF-8 text"]
    missing = {"id", "question", "answer"} - fields
    if rows and missing:
        return [], [f"{path.name}: missing column(s) {', '.join(sorted(missing))}"]

    grouped: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in enumerate(rows, start=2):
        article_id = (row.get("id") or "").strip()
        if not article_id:
            problems.append(f"{path.name}:{line}: empty id")
            continue
        grouped.setdefault(article_id, []).append((line, row))

    articles = []
    for article_id, group in grouped.items():
        where = f"{path.name}:{group[0][0]}"
        questions = _unique(clean for _, row in group if (clean := (row["question"] or "").strip()))
        answers = [a for _, row in group if (a := (row["answer"] or "").strip())]
        if not questions:
            problems.append(f"{where}: id {article_id!r} has no question")
            continue
        if not answers:
            problems.append(f"{where}: id {article_id!r} has no answer")
            continue
        first = group[0][1]
        row_problems: list[str] = []
        link = _link(first.get("link") or None, where, row_problems)
        reviewed = _date(first.get("last_reviewed") or None, where, row_problems, required=False)
        problems.extend(row_problems)
        articles.append(
            Article(
                id=article_id,
                question=questions[0],
                variants=tuple(questions[1:]),
                answer=answers[0],
                category=(first.get("category") or "").strip() or "general",
                link=link,
                last_reviewed=reviewed,
                source=where,
            )
        )
    return articles, problems


def _required_text(meta: dict[str, Any], field: str, source: str, problems: list[str]) -> str:
    value = meta.get(field)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{source}: '{field}' is required and must be text")
        return ""
    return value.strip()


def _variants(value: object, source: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{source}: 'variants' must be a list of texts")
        return ()
    return tuple(_unique(v.strip() for v in value if v.strip()))


def _link(value: object, source: str, problems: list[str]) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not re.match(r"^https?://\S+$", text):
        problems.append(f"{source}: 'link' must be an http(s) address, got {text!r}")
        return None
    return text


def _date(value: object, source: str, problems: list[str], *, required: bool) -> date | None:
    if value is None or value == "":
        if required:
            problems.append(f"{source}: 'last_reviewed' is required (YYYY-MM-DD)")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(f"{source}: 'last_reviewed' must be a date (YYYY-MM-DD), got {value!r}")
        return None


def _duplicate_ids(articles: list[Article]) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for article in articles:
        if article.id in seen:
            problems.append(
                f"{article.source}: id {article.id!r} is also used by {seen[article.id]}"
            )
        else:
            seen[article.id] = article.source
    return problems


def _unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for item in items:
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result
