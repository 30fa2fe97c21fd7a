"""Calibrating from the articles themselves, for a knowledge base without labelled queries."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.knowledge.calibration import calibrate
from bot.knowledge.search_config import SearchConfig
from bot.knowledge.self_calibration import (
    QUERIES_NAME,
    CachingEmbedder,
    held_out_phrasings,
)
from bot.knowledge.store import read_source
from tests.fakes import HashEmbedder


@pytest.fixture(scope="module")
def demo_articles(tmp_path_factory):
    from tests.conftest import PROJECT

    return read_source(PROJECT / "knowledge_base")


@pytest.fixture(scope="module")
def collected(demo_articles):
    return held_out_phrasings(demo_articles, HashEmbedder(), base=SearchConfig())


def test_every_variant_is_asked_once_and_every_question_stands_for_an_unanswered_one(
    demo_articles, collected
):
    answerable = Counter(
        (c.query.expected_id, c.query.text) for c in collected if c.query.expected_id
    )
    unanswered = [c.query.text for c in collected if c.query.expected_id is None]

    assert set(answerable) == {(a.id, v) for a in demo_articles for v in a.variants}
    assert set(answerable.values()) == {1}
    assert sorted(unanswered) == sorted(a.question for a in demo_articles)


def test_a_held_out_phrasing_is_never_found_in_its_own_index(collected):
    for item in collected:
        matched = {c.matched_text for c in item.candidates}
        assert item.query.text not in matched, item.query.text


def test_the_articles_give_a_calibration_that_says_where_it_came_from(collected):
    config, _, metrics = calibrate(
        collected, base=SearchConfig(), queries_name=QUERIES_NAME, model_id="hash"
    )

    assert config.is_calibrated
    assert config.calibration["queries"] == QUERIES_NAME
    assert 0 < metrics["answered_rate"] < 1


def test_the_caching_embedder_embeds_each_text_once():
    inner = HashEmbedder()
    caching = CachingEmbedder(inner)

    first = caching.embed(["a", "b", "a"])
    second = caching.embed(["b", "c"])
    caching.embed(["c", "a"])

    assert inner.calls == 2  # "a" and "b", then "c"; the third call needed nothing new
    assert (first[1] == second[0]).all()
    assert caching.model_id == inner.model_id


@pytest.mark.parametrize("variants", [("v",) * 30, ("v",)])
def test_too_little_to_calibrate_from_is_said_with_what_to_do(variants):
    from bot.errors import KnowledgeBaseError
    from bot.knowledge import Article

    articles = [Article("a", "q?", variants, "x", "g")]
    if len(variants) == 1:  # two articles, but hardly any variants
        articles.append(Article("b", "r?", (), "y", "g"))
    with pytest.raises(KnowledgeBaseError) as raised:
        held_out_phrasings(articles, HashEmbedder(), base=SearchConfig())
    assert "variants" in raised.value.hint
