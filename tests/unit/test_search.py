from __future__ import annotations

import time
from dataclasses import replace

import pytest

from bot.errors import IndexMissingError
from bot.knowledge import Article, Decision, KnowledgeSearcher, ReloadingSearcher, build_index
from bot.knowledge.search import Candidate, decide, query_parts, rank
from bot.knowledge.search_config import SearchConfig

CONFIG = SearchConfig(
    answer_threshold=0.6, clarify_margin=0.05, answer_weight=0.5, lexical_weight=0.2
)


def article(article_id: str) -> Article:
    return Article(article_id, f"Question {article_id}?", (), "Answer.", "general")


def candidate(article_id: str, phrasing: float, answer: float = 0.0, lexical: float = 0.0):
    return Candidate(article(article_id), "text", phrasing, answer, lexical)


@pytest.mark.parametrize(
    ("scores", "decision"),
    [
        ([], Decision.DECLINE),
        ([0.59], Decision.DECLINE),
        ([0.6], Decision.ANSWER),
        ([0.9, 0.5], Decision.ANSWER),
        ([0.9, 0.8], Decision.ANSWER),  # second is good but clearly behind
        ([0.9, 0.87], Decision.CLARIFY),
        ([0.62, 0.59], Decision.ANSWER),  # the runner-up is below the threshold
    ],
)
def test_decide_answers_clarifies_or_declines(scores, decision):
    assert decide(scores, CONFIG) is decision


def test_rank_combines_phrasing_answer_and_word_overlap():
    candidates = [candidate("a", 0.70, answer=0.2, lexical=0.0), candidate("b", 0.65, 0.4, 0.5)]

    result = rank("q", candidates, CONFIG)

    assert [m.article.id for m in result.matches] == ["b", "a"]
    assert result.best.score == pytest.approx(0.65 + 0.5 * 0.4 + 0.2 * 0.5)


def test_rank_offers_only_close_articles_as_choices():
    candidates = [
        candidate("a", 0.90),
        candidate("b", 0.88),
        candidate("c", 0.87),
        candidate("d", 0.80),
    ]

    result = rank("q", candidates, CONFIG)

    assert result.decision is Decision.CLARIFY
    assert [m.article.id for m in result.choices] == ["a", "b", "c"]


def test_the_demo_searcher_finds_the_article_for_a_plain_question(demo_searcher):
    result = demo_searcher.search("how do I return an item")

    assert result.best.article.id == "returns-how-to"


def test_a_message_without_words_is_declined_without_searching(demo_searcher, hash_embedder):
    calls = hash_embedder.calls

    result = demo_searcher.search("🙂🙂")

    assert result.decision is Decision.DECLINE and result.matches == ()
    assert hash_embedder.calls == calls


def test_search_within_categories_returns_only_those(demo_searcher):
    result = demo_searcher.search("how much does it cost", categories={"shipping"}, limit=10)

    assert result.matches
    assert {m.article.category for m in result.matches} == {"shipping"}


def test_a_ten_thousand_character_message_is_searched(demo_searcher):
    result = demo_searcher.search("where is my order " + "blah " * 2000)

    assert result.matches


def test_reloading_searcher_picks_up_a_rebuilt_index(tmp_path, kb_copy, hash_embedder):
    index_dir = tmp_path / "index"
    build_index(kb_copy, index_dir, embedder=hash_embedder)
    searcher = ReloadingSearcher(index_dir, hash_embedder, check_every=0)
    assert searcher.article("returns-new") is None

    (kb_copy / "returns" / "returns-new.md").write_text(
        "---\nquestion: Can I return a tent?\ncategory: returns\nlast_reviewed: 2026-11-20\n"
        "---\nYes, tents too.\n"
    )
    time.sleep(0.01)  # a distinct manifest mtime
    build_index(kb_copy, index_dir, embedder=hash_embedder)

    assert searcher.article("returns-new") is not None
    assert searcher.search("can i return a tent").best.article.id == "returns-new"


def test_reloading_searcher_keeps_serving_when_a_rebuild_is_unreadable(
    tmp_path, kb_copy, hash_embedder
):
    index_dir = tmp_path / "index"
    build_index(kb_copy, index_dir, embedder=hash_embedder)
    searcher = ReloadingSearcher(index_dir, hash_embedder, check_every=0)
    before = searcher.search("how do I return an item").best.article.id

    (index_dir / "manifest.json").write_text("{not json")

    assert searcher.search("how do I return an item").best.article.id == before


def test_reloading_searcher_reports_a_missing_index(tmp_path, hash_embedder):
    with pytest.raises(IndexMissingError):
        ReloadingSearcher(tmp_path / "none", hash_embedder).search("hello")


def test_searcher_uses_the_weights_of_its_index(demo_searcher):
    index = demo_searcher.index
    no_extras = KnowledgeSearcher(
        replace(
            index, search_config=replace(index.search_config, answer_weight=0, lexical_weight=0)
        ),
        demo_searcher._embedder,
    )

    with_extras = demo_searcher.search("refund to a different card").best.score
    without = no_extras.search("refund to a different card").best.score

    assert with_extras > without


def test_short_messages_are_searched_whole():
    assert query_parts("where is my order? it is late.") == ["where is my order? it is late."]


def test_long_messages_are_searched_by_their_first_sentences():
    text = (
        "Hi there. I bought boots last week! "
        + "They are lovely and warm. " * 20
        + "Can I return them?"
    )

    parts = query_parts(text)

    assert parts[:2] == ["Hi there.", "I bought boots last week!"]
    assert len(parts) == 8


def test_a_long_run_on_message_is_searched_in_runs_of_words():
    parts = query_parts("word " * 500)

    assert len(parts) == 8 and all(len(p.split()) == 40 for p in parts)


def test_a_question_buried_in_a_long_message_is_found(demo_searcher):
    text = "how do I return an item? " + "some more detail about my day " * 40

    assert demo_searcher.search(text).best.article.id == "returns-how-to"


def test_a_condition_in_a_short_question_is_searched_with_and_without_it():
    text = "how long have I got to send a jacket back if it doesn't fit?"

    assert query_parts(text) == [text, "how long have I got to send a jacket back"]
    assert query_parts("what if it is late") == ["what if it is late"]  # no main clause
    assert query_parts("can I pay as a guest when I order") == ["can I pay as a guest when I order"]
    assert query_parts(text, split_clauses=False) == [text]


def test_the_classifier_and_the_kind_of_answer_are_parts_of_the_score():
    config = replace(CONFIG, classifier_weight=0.5, kind_weight=0.25)
    plain = Candidate(article("a"), "t", 0.8, 0.0, 0.0)
    favoured = Candidate(article("b"), "t", 0.7, 0.0, 0.0, classifier=0.4, kind=0.5)

    assert plain.score(config) == pytest.approx(0.8)
    assert favoured.score(config) == pytest.approx(0.7 + 0.2 + 0.125)
    assert rank("q", [plain, favoured], config).best.article.id == "b"


def test_when_the_classifier_disagrees_the_bot_asks_with_both_favourites():
    best_scored = Candidate(article("a"), "t", 0.9, 0.0, 0.0, classifier=0.1)
    third = Candidate(article("c"), "t", 0.7, 0.0, 0.0, classifier=0.2)
    classifiers_pick = Candidate(article("b"), "t", 0.5, 0.0, 0.0, classifier=0.7)
    candidates = [best_scored, third, classifiers_pick]

    trusting = rank("q", candidates, CONFIG)
    asking = rank("q", candidates, replace(CONFIG, clarify_on_disagreement=True))

    assert trusting.decision is Decision.ANSWER
    assert asking.decision is Decision.CLARIFY
    assert [m.article.id for m in asking.choices] == ["a", "b"]
    agreeing = [best_scored, replace(classifiers_pick, classifier=0.05)]
    assert rank("q", agreeing, replace(CONFIG, clarify_on_disagreement=True)).decision is (
        Decision.ANSWER
    )


def test_an_article_found_by_several_parts_keeps_its_best_part_under_the_weights_used():
    whole = Candidate(article("a"), "whole", 0.70, 0.0, 0.9)  # strong word overlap
    clause = Candidate(article("a"), "clause", 0.78, 0.0, 0.0)  # closer phrasing
    other = Candidate(article("b"), "b", 0.75, 0.0, 0.0)

    by_meaning = rank("q", [whole, clause, other], replace(CONFIG, lexical_weight=0.0))
    by_words = rank("q", [whole, clause, other], replace(CONFIG, lexical_weight=0.2))

    assert [m.article.id for m in by_meaning.matches] == ["a", "b"]
    assert by_meaning.best.matched_text == "clause"
    assert by_words.best.matched_text == "whole"
    assert by_words.best.score == pytest.approx(0.70 + 0.2 * 0.9)
