"""The questions a new user asked in the widget, answered from the demo knowledge base."""

from __future__ import annotations

import pytest

from bot.knowledge import Decision, KnowledgeSearcher, build_index, load_index
from tests.conftest import PROJECT

pytestmark = pytest.mark.model

#: Each got another article on main before the classifier, the kind of answer asked for
#: and the search without a condition clause (issue 19).
ASKED = {
    "how long have I got to send a jacket back if it doesn't fit?": "returns-policy",
    "do I have to pay for sending stuff back": "returns-cost",
    "where is my parcel? order FH204517": "orders-tracking",
}


@pytest.fixture(scope="module")
def searcher(minilm, tmp_path_factory, encoder_cache) -> KnowledgeSearcher:
    index_dir = tmp_path_factory.mktemp("walkthrough") / "index"
    build_index(PROJECT / "knowledge_base", index_dir, embedder=minilm, encoder_cache=encoder_cache)
    return KnowledgeSearcher(load_index(index_dir), minilm)


@pytest.mark.parametrize(("text", "expected"), ASKED.items())
def test_the_walkthrough_questions_get_the_right_article(searcher, text, expected):
    result = searcher.search(text)

    offered = [m.article.id for m in result.choices]
    if result.decision is Decision.ANSWER:
        offered = [result.best.article.id]
    assert result.decision is not Decision.DECLINE
    assert expected in offered


def test_a_question_no_article_answers_is_declined(searcher):
    # No article says how warm a jacket is: the bot says so and offers a person.
    assert searcher.search("is the Tarn jacket warm enough for skiing").decision is (
        Decision.DECLINE
    )
