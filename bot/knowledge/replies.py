"""What the bot says with a knowledge-base result: the answer, a choice, or an honest no."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.catalogue import say
from bot.chat import TALK_TO_A_PERSON, Button, Reply, intent_payload
from bot.knowledge.articles import Article
from bot.knowledge.search import Match

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


def choose_article_reply(matches: Sequence[Match], *, intro: str | None = None) -> Reply:
    buttons = [
        Button(m.article.question, intent_payload("choose_option", article_id=m.article.id))
        for m in matches
    ]
    return Reply(
        text=intro or "I found a few answers that might fit. Which one do you mean?",
        buttons=(
            *buttons,
            Button("None of these", intent_payload("not_helpful")),
            TALK_TO_A_PERSON,
        ),
    )


def decline_reply() -> Reply:
    return Reply(
        text="Sorry, I couldn't find an answer to that in our help centre, and I'd rather not "
        "guess. You can ask in other words, or talk to a person from our team.",
        buttons=(TALK_TO_A_PERSON,),
    )
