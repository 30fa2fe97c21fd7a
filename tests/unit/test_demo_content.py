"""The shipped demo shop: knowledge base, training data and query sets hold together."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
import yaml

from bot.business import load_business_facts
from bot.dialogue.topics import TOPICS
from bot.knowledge import load_articles
from bot.knowledge.store import render_articles
from bot.knowledge.translations import load_translations
from tests.conftest import PROJECT

KB = PROJECT / "knowledge_base"


@pytest.fixture(scope="module")
def articles():
    return load_articles(KB)


@pytest.fixture(scope="module")
def nlu_examples() -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in sorted((PROJECT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            lines = [line[2:].strip() for line in block["examples"].splitlines() if line.strip()]
            examples.setdefault(block["intent"], []).extend(lines)
    return examples


def test_the_knowledge_base_reads_like_a_help_centre(articles):
    assert len(articles) >= 60
    assert all(a.link and a.last_reviewed for a in articles)
    assert all(len(a.variants) >= 3 for a in articles)
    assert len({a.category for a in articles}) >= 8


def test_every_placeholder_in_the_knowledge_base_has_a_business_fact(articles):
    rendered = render_articles(articles, load_business_facts(KB / "business.yml"))

    assert not [a.id for a in rendered if "{{" in a.answer]


def test_every_topic_is_answered_by_existing_categories(articles):
    categories = {a.category for a in articles}

    for topic in TOPICS.values():
        assert set(topic.categories) <= categories, topic.intent


def test_every_intent_has_at_least_fifteen_examples(nlu_examples):
    assert len(nlu_examples) >= 25
    thin = {intent: len(ex) for intent, ex in nlu_examples.items() if len(ex) < 15}
    assert not thin


def test_no_example_is_given_to_two_intents(nlu_examples):
    owners = Counter(e.lower() for examples in nlu_examples.values() for e in set(examples))

    assert not [e for e, n in owners.items() if n > 1]


def test_domain_intents_match_training_data_and_topics(nlu_examples):
    domain = yaml.safe_load((PROJECT / "domain.yml").read_text())

    assert set(domain["intents"]) == set(nlu_examples)
    assert set(TOPICS) <= set(domain["intents"])


@pytest.mark.parametrize("name", ["kb_queries_test.csv", "kb_queries_calibration.csv"])
def test_labelled_queries_are_held_apart_from_the_articles(articles, name):
    phrasings = {p.lower() for a in articles for p in a.phrasings}
    ids = {a.id for a in articles}
    with (PROJECT / "bench" / "data" / name).open() as handle:
        rows = list(csv.DictReader(handle))

    assert not [r["text"] for r in rows if r["text"].lower() in phrasings]
    assert {r["expected_id"] for r in rows if r["expected_id"]} <= ids


def test_the_test_queries_are_big_enough_and_never_used_for_calibration():
    def texts(name: str) -> set[str]:
        with (PROJECT / "bench" / "data" / name).open() as handle:
            return {row["text"].lower() for row in csv.DictReader(handle)}

    with (PROJECT / "bench" / "data" / "kb_queries_test.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 400
    assert sum(not r["expected_id"] for r in rows) >= 80
    assert not texts("kb_queries_test.csv") & texts("kb_queries_calibration.csv")


def test_the_other_languages_questions_are_held_apart(articles, nlu_examples):
    """The Italian and Lithuanian held-out sets: apart from the articles (translations too)
    and from the tuning set (itself apart from the articles), labelled with articles and
    intents that exist, and big enough."""
    data = PROJECT / "bench" / "data"
    translations = load_translations(
        PROJECT / "knowledge_base", load_articles(PROJECT / "knowledge_base")
    )
    phrasings = {p.lower() for a in [*articles, *translations] for p in a.phrasings}
    ids = {a.id for a in articles}

    def rows(name: str) -> list[dict[str, str]]:
        with (data / name).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    tuning = {r["text"].lower() for r in rows("multilingual_tuning.csv")}
    assert not tuning & phrasings
    for name in ("kb_queries_it.csv", "kb_queries_lt.csv"):
        held_out = rows(name)
        assert len([r for r in held_out if r["expected_id"]]) >= 100
        assert not [r["text"] for r in held_out if r["text"].lower() in phrasings | tuning]
        assert {r["expected_id"] for r in held_out if r["expected_id"]} <= ids
        assert {r["intent"] for r in held_out} <= set(nlu_examples)
