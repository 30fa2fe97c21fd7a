"""Articles' translations: ``<id>.<language>.md`` beside the English article."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import KnowledgeBaseError
from bot.knowledge import build_index, load_index
from bot.knowledge.articles import load_articles
from bot.knowledge.replies import answer_reply, helped_question
from bot.knowledge.translations import load_translations

ITALIAN = """---
question: Come restituisco un articolo?
variants:
- voglio fare un reso
- come mando indietro la giacca
category: returns
link: https://fernhill.example/it/help/returns/how-to
last_reviewed: 2026-11-02
---
Vai su **Il mio account → Ordini** e scegli **Restituisci articoli**. Ti rimborsiamo entro
{{ refund_days }}.
"""


@pytest.fixture
def kb_copy(kb_copy: Path) -> Path:
    """The demo knowledge base without its own translations."""
    for translation in kb_copy.rglob("*.*.md"):
        translation.unlink()
    return kb_copy


def write(folder: Path, name: str, text: str) -> None:
    path = folder / "returns" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_translation_is_read_beside_its_article_and_not_taken_for_another(kb_copy):
    write(kb_copy, "returns-how-to.it.md", ITALIAN)

    english = load_articles(kb_copy)
    translations = load_translations(kb_copy, english)

    assert "returns-how-to" in {a.id for a in english}
    assert all(a.language == "en" for a in english)
    assert [(t.id, t.language, t.question) for t in translations] == [
        ("returns-how-to", "it", "Come restituisco un articolo?")
    ]


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("returns-nothing.it.md", ITALIAN, "a translation of returns-nothing.md, which does not"),
        ("returns-how-to.en.md", ITALIAN, "articles are English already"),
        (
            "returns-how-to.it.md",
            ITALIAN.replace("category: returns", "category: orders"),
            "category 'orders', but returns/returns-how-to.md says 'returns'",
        ),
        (
            "returns-how-to.it.md",
            ITALIAN.replace("{{ refund_days }}", "5 giorni"),
            "placeholders [] differ from returns/returns-how-to.md's ['refund_days']",
        ),
        ("returns-how-to.it.md", "no front matter", "must start with front matter"),
    ],
)
def test_a_wrong_translation_is_named_with_what_is_wrong(kb_copy, name, text, problem):
    write(kb_copy, name, text)

    with pytest.raises(KnowledgeBaseError) as raised:
        load_translations(kb_copy, load_articles(kb_copy))

    assert problem in raised.value.message


def test_the_index_keeps_the_translations_rendered_from_the_business_facts(
    kb_copy, tmp_path, hash_embedder
):
    write(kb_copy, "returns-how-to.it.md", ITALIAN)

    manifest = build_index(kb_copy, tmp_path / "index", embedder=hash_embedder)
    index = load_index(tmp_path / "index")

    assert manifest.translations_file is not None
    italian = index.translations["it"]["returns-how-to"]
    assert "Ti rimborsiamo entro\n5 giorni lavorativi." in italian.answer  # business.yml's Italian
    assert italian.link == "https://fernhill.example/it/help/returns/how-to"
    assert index.articles["returns-how-to"].language == "en"  # the English is untouched

    reply = answer_reply(italian)
    assert reply.text.endswith(
        "Per saperne di più: https://fernhill.example/it/help/returns/how-to"
    )
    asked = helped_question("it")
    assert [asked.text, *(b.title for b in asked.buttons)] == [
        "Ho risposto alla tua domanda?",
        "Sì, grazie",
        "No",
    ]


def test_an_index_without_translations_has_none(demo_searcher):
    assert demo_searcher.translations == {}
    assert demo_searcher.index.manifest.translations_file is None
