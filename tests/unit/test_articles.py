from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.errors import KnowledgeBaseError
from bot.knowledge import load_articles

ARTICLE = """---
question: How do I return an item?
variants:
  - how do i send something back
  - HOW DO I SEND SOMETHING BACK
category: returns
link: https://shop.example/returns
last_reviewed: 2026-11-01
---
Use the returns page.

It is free.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_markdown_article_is_read_with_all_its_fields(tmp_path):
    write(tmp_path, "returns/returns-start.md", ARTICLE)
    write(tmp_path, "README.md", "# not an article")

    [article] = load_articles(tmp_path)

    assert article.id == "returns-start"
    assert article.question == "How do I return an item?"
    assert article.variants == ("how do i send something back",)  # duplicates dropped
    assert article.category == "returns"
    assert article.link == "https://shop.example/returns"
    assert article.last_reviewed == date(2026, 11, 1)
    assert article.answer == "Use the returns page.\n\nIt is free."
    assert article.source == "returns/returns-start.md"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no front matter", "must start with front matter"),
        (ARTICLE.replace("question: How do I return an item?\n", ""), "'question' is required"),
        (ARTICLE.replace("category: returns\n", ""), "'category' is required"),
        (ARTICLE.replace("last_reviewed: 2026-11-01", "last_reviewed: soon"), "must be a date"),
        (ARTICLE.replace("https://shop.example/returns", "shop.example"), "http(s) address"),
        (ARTICLE.replace("variants:\n", "variants: one\nx:\n"), "unknown field"),
        (ARTICLE.split("---\nUse")[0] + "---\n", "answer (text after the front matter) is empty"),
        (ARTICLE.replace("question:", "question: [", 1), "not valid YAML"),
    ],
)
def test_invalid_articles_are_reported_with_file_and_reason(tmp_path, text, problem):
    write(tmp_path, "returns/bad.md", text)

    with pytest.raises(KnowledgeBaseError) as error:
        load_articles(tmp_path)

    assert "returns/bad.md" in str(error.value)
    assert problem in str(error.value)


def test_all_problems_are_reported_at_once(tmp_path):
    write(tmp_path, "a/one.md", "nothing")
    write(tmp_path, "b/Two Words.md", ARTICLE)
    write(tmp_path, "c/one.md", ARTICLE)

    with pytest.raises(KnowledgeBaseError) as error:
        load_articles(tmp_path)

    message = str(error.value)
    assert "a/one.md: must start with front matter" in message
    assert "b/Two Words.md: file name must be lowercase" in message


def test_duplicate_ids_in_different_folders_are_rejected(tmp_path):
    write(tmp_path, "a/same.md", ARTICLE)
    write(tmp_path, "b/same.md", ARTICLE)

    with pytest.raises(KnowledgeBaseError, match=r"id 'same' is also used by a/same\.md"):
        load_articles(tmp_path)


def test_csv_rows_with_the_same_id_become_question_variants(tmp_path):
    csv_file = write(
        tmp_path,
        "faq.csv",
        "id,question,answer\n"
        "ship,How long is shipping?,Three days.\n"
        "ship,when will it arrive,\n"
        "pay,Which cards?,Visa and Mastercard.\n",
    )

    articles = {a.id: a for a in load_articles(csv_file)}

    assert articles["ship"].question == "How long is shipping?"
    assert articles["ship"].variants == ("when will it arrive",)
    assert articles["ship"].answer == "Three days."
    assert articles["pay"].category == "general"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("id,text\nx,y\n", r"missing column\(s\) answer, question"),
        ("id,question,answer\nx,,\n", "has no question"),
        ("id,question,answer\nx,Why?,\n", "has no answer"),
        ("id,question,answer\n,Why?,Because\n", "empty id"),
    ],
)
def test_invalid_csv_is_reported(tmp_path, content, problem):
    with pytest.raises(KnowledgeBaseError, match=problem):
        load_articles(write(tmp_path, "faq.csv", content))


def test_a_missing_source_is_reported(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="not found"):
        load_articles(tmp_path / "missing")
