"""What the bot says with a knowledge-base result: the answer, a choice, or an honest no."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.catalogue import person_button, say, spoken
from bot.chat import Button, Reply, intent_payload
from bot.knowledge.articles import Article

_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+")


def helped_question(language: str | None = None) -> Reply:
    """After an answer: did it help? In the article's language where the bot has the words."""
    return Reply(
        text=say("answer.helped.question", language),
        buttons=(
            Button(say("answer.helped.yes", language), intent_payload("affirm")),
            Button(say("answer.helped.no", language), intent_payload("not_helpful")),
        ),
    )


def chat_text(markdown: str) -> str:
    """Join an article's hard-wrapped lines into chat paragraphs, keeping lists and breaks."""
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for raw in markdown.strip().splitlines():
        line = raw.strip()
        if not line:
            flush()
            paragraphs.append("")
        elif _LIST_ITEM.match(raw):
            flush()
            current.append(line)
        else:
            current.append(line)
    flush()
    text = "\n".join(paragraphs)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def answer_reply(article: Article) -> Reply:
    text = chat_text(article.answer)
    if article.link:
        text += f"\n\n{say('answer.more', article.language)} {article.link}"
    return Reply(text=text)


def choose_article_reply(
    articles: Sequence[Article], *, intro: str | None = None, language: str | None = None
) -> Reply:
    """ "Which one do you mean?" with a button for each article (its question: the caller
    gives the translations where the customer has them), in ``language`` where the catalogue
    has the words; ``intro`` instead of the question."""
    said = spoken("knowledge.choose", language)
    buttons = [
        Button(article.question, intent_payload("choose_option", article_id=article.id))
        for article in articles
    ]
    return Reply(
        text=intro or say("knowledge.choose", said),
        buttons=(
            *buttons,
            Button(say("knowledge.none_of_these", said), intent_payload("not_helpful")),
            person_button(said),
        ),
    )


def decline_reply(language: str | None = None) -> Reply:
    said = spoken("knowledge.decline", language)
    return Reply(text=say("knowledge.decline", said), buttons=(person_button(said),))
