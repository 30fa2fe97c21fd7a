"""Articles in other languages: ``<id>.<language>.md`` beside the English ``<id>.md``.

A translation has the same front matter as its article (``question``, ``variants`` as customers
write in that language, the same ``category``, its own ``link`` to that language's page, and
``last_reviewed``) and the answer in that language, with the same ``{{ placeholders }}``. The
English article is the reference: a translation without one, in another category, or with other
placeholders is a problem ``supportbot kb build`` lists with the rest. An article without a
translation is still answered, in English, with a note in the customer's language where the
bot has one (``bot.catalogue``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from bot.business.facts import placeholder_names
from bot.errors import KnowledgeBaseError
from bot.knowledge.articles import ARTICLE_LANGUAGE, TRANSLATION_STEM, Article, parse_markdown


def load_translations(source: Path, originals: Iterable[Article]) -> list[Article]:
    """Every translation in the folder ``source`` (none for a CSV knowledge base), checked
    against the English ``originals``; all problems at once."""
    if not source.is_dir():
        return []
    english = {article.id: article for article in originals}
    translations: list[Article] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for path in sorted(source.rglob("*.md")):
        name = TRANSLATION_STEM.match(path.stem)
        if name is None:
            continue
        rel = path.relative_to(source).as_posix()
        article_id, language = name["id"], name["language"]
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(f"{rel}: not UTF-8 text")
            continue
        parsed = parse_markdown(text, article_id=article_id, source=rel, problems=problems)
        original = english.get(article_id)
        if language == ARTICLE_LANGUAGE:
            problems.append(f"{rel}: articles are English already: name it {article_id}.md")
        elif original is None:
            problems.append(f"{rel}: a translation of {article_id}.md, which does not exist")
        elif (article_id, language) in seen:
            problems.append(
                f"{rel}: {seen[article_id, language]} translates {article_id} to {language} too"
            )
        elif parsed is not None:
            problems.extend(_differences(parsed, original, rel))
            seen[article_id, language] = rel
            translations.append(_in_language(parsed, language))
    if problems:
        listed = "\n  - ".join(problems)
        raise KnowledgeBaseError(
            f"the knowledge base's translations have {len(problems)} problem(s):\n  - {listed}",
            hint="fix the files named above and build again",
        )
    return translations


def by_language(translations: Iterable[Article]) -> dict[str, dict[str, Article]]:
    """Translations as ``{language: {article id: translation}}``."""
    found: dict[str, dict[str, Article]] = {}
    for article in translations:
        found.setdefault(article.language, {})[article.id] = article
    return found


def _differences(translation: Article, original: Article, rel: str) -> list[str]:
    problems = []
    if translation.category != original.category:
        problems.append(
            f"{rel}: category {translation.category!r}, but {original.source} says "
            f"{original.category!r}"
        )
    ours, theirs = placeholder_names(translation.answer), placeholder_names(original.answer)
    if ours != theirs:
        problems.append(
            f"{rel}: placeholders {sorted(ours)} differ from {original.source}'s {sorted(theirs)}"
        )
    return problems


def _in_language(article: Article, language: str) -> Article:
    return replace(article, language=language)
