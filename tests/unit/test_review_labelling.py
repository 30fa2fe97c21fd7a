"""The review inbox: masked storage, decisions written into the project's files, the audit."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.privacy.redactor import Redactor
from bot.review.inbox import ReviewItemNotFoundError
from bot.review.training_data import (
    IntentFile,
    ProjectIntents,
    TrainingDataError,
    add_article_variants,
    example_line,
)
from bot.review.workflow import Decision, ReviewWorkflow
from bot.storage.review import SqlReviewInbox
from bot.storage.tracker import ConversationStore
from tests.conftest import OPEN_TIME, PROJECT
from tests.fakes import HashEmbedder


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "project"
    home.mkdir()
    shutil.copy2(PROJECT / "domain.yml", home / "domain.yml")
    shutil.copytree(PROJECT / "data", home / "data")
    shutil.copytree(PROJECT / "knowledge_base", home / "knowledge_base")
    shutil.copytree(PROJECT / "evaluation", home / "evaluation")
    return home


def test_examples_are_appended_keeping_comments_and_format(home):
    path = home / "data" / "nlu" / "shipping.yml"
    before = path.read_text()
    file, added = ProjectIntents(home).add_examples(
        "ask_shipping", ["can it go to a neighbour", "How much is delivery"]
    )
    assert file == path
    after = path.read_text()
    assert added == ["can it go to a neighbour"]  # the other is already there (any case)
    assert after.replace("    - can it go to a neighbour\n", "", 1) == before


def test_masked_text_never_becomes_entity_markup():
    assert example_line("I am [NAME](really)  and\nmore") == "I am [NAME] (really) and more"


def test_a_new_intent_gets_examples_a_domain_entry_and_a_rule(home):
    domain_before = (home / "domain.yml").read_text()
    path, _ = ProjectIntents(home).create_intent(
        "ask_gift_wrap", ["do you gift wrap"], topic="gifts"
    )
    assert path == home / "data" / "nlu" / "gifts.yml"
    assert "- intent: ask_gift_wrap" in path.read_text()
    domain = (home / "domain.yml").read_text()
    assert domain.replace("  - ask_gift_wrap\n", "", 1) == domain_before  # comments kept
    rules = (home / "data" / "rules" / "faq.yml").read_text()
    assert "- intent: ask_gift_wrap\n  - action: action_answer_from_knowledge_base" in rules
    with pytest.raises(TrainingDataError):
        ProjectIntents(home).create_intent("ask_gift_wrap", ["again"], topic="gifts")
    with pytest.raises(TrainingDataError):
        ProjectIntents(home).create_intent("Bad Name", ["x"], topic="gifts")


def test_article_variants_change_only_the_front_matter(home):
    path = home / "knowledge_base" / "account" / "account-create.md"
    body = path.read_text().split("---", 2)[2]
    assert add_article_variants(path, ["make me an account please"]) == [
        "make me an account please"
    ]
    assert path.read_text().split("---", 2)[2] == body
    assert "- make me an account please\n" in path.read_text()


def write_tracker(path: Path, conversations: dict[str, list[dict]]) -> None:
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
        "timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)"
    )
    for sender, events in conversations.items():
        for event in events:
            db.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
                (sender, event["event"], event.get("timestamp"), json.dumps(event)),
            )
    db.commit()
    db.close()


def unsure(text: str, guess: str = "ask_shipping", when: datetime = OPEN_TIME) -> dict:
    return {
        "event": "user",
        "timestamp": when.timestamp(),
        "text": text,
        "metadata": {"model_id": "model-1"},
        "parse_data": {
            "intent": {"name": "nlu_fallback", "confidence": 0.3},
            "intent_ranking": [
                {"name": "nlu_fallback", "confidence": 0.3},
                {"name": guess, "confidence": 0.25},
            ],
        },
    }


@pytest.fixture
def workflow(tmp_path, home, database_url):
    write_tracker(
        tmp_path / "tracker.db",
        {
            "c1": [unsure("I'm Jane Cooper, can my parcel go to a neighbour? jane@example.com")],
            # The same question from other customers: masked, they are the same message.
            "c2": [unsure("I'm Tom Baker, can my parcel go to a neighbour? tom@example.org")],
            "c3": [unsure("I'm Ann Lee, can my parcel go to a neighbour? ann@example.net")],
            "c5": [unsure("I'm Jo Wu, can my parcel go to a neighbour?? jo@example.com")],
            "c4": [unsure("gibberish qwxz", guess="greet", when=OPEN_TIME - timedelta(days=30))],
        },
    )
    return ReviewWorkflow(
        inbox=SqlReviewInbox(database_url),
        store=ConversationStore(f"sqlite:///{tmp_path / 'tracker.db'}"),
        redactor=lambda: Redactor("FH[0-9]{4,8}"),
        embedder=HashEmbedder,
        project=ProjectIntents(home),
        eval_file=IntentFile(home / "evaluation" / "intents.yml"),
        kb_dir=home / "knowledge_base",
        clock=lambda: OPEN_TIME + timedelta(hours=1),
    )


def test_mining_masks_groups_ranks_and_never_mines_a_message_twice(workflow, tmp_path):
    result = workflow.mine()
    assert result.new_messages == 5
    items = workflow.inbox.items()
    assert items[0].size == 4 and items[0].predicted_intent == "ask_shipping"
    assert items[-1].text == "gibberish qwxz" and items[-1].score < items[0].score  # older
    messages = workflow.inbox.item(items[0].id).messages
    stored = " ".join(m.text for m in messages)
    assert "[NAME]" in stored and "[EMAIL]" in stored
    assert "Jane" not in stored and "example.com" not in stored
    assert workflow.mine().new_messages == 0


def test_a_decision_writes_training_and_evaluation_examples_and_is_audited(workflow, home):
    workflow.mine()
    item = workflow.inbox.items()[0]
    detail = workflow.decide(item.id, Decision("accept"), actor="lead-lee")
    training = (home / "data" / "nlu" / "shipping.yml").read_text()
    held_out = (home / "evaluation" / "intents.yml").read_text()
    written = detail["written"]
    # Four customers, two different masked texts: the first to training, the second to
    # the evaluation set (every second text of a group), so the two stay apart.
    assert len(written["data/nlu/shipping.yml"]) == 1
    assert len(written["evaluation/intents.yml"]) == 1
    for line in written["data/nlu/shipping.yml"]:
        assert f"- {line}\n" in training and line not in held_out
    assert workflow.inbox.item(item.id).status == "decided"
    audit = workflow.inbox.audit()
    assert audit[0]["actor"] == "lead-lee" and audit[0]["action"] == "accept"
    with pytest.raises(ReviewItemNotFoundError):
        workflow.decide(item.id, Decision("ignore"), actor="lead-lee")


def test_ignoring_writes_nothing_and_a_faq_decision_needs_a_real_article(workflow, home):
    workflow.mine()
    first, second = workflow.inbox.items()[:2]
    before = (home / "data" / "nlu" / "shipping.yml").read_text()
    workflow.decide(second.id, Decision("ignore"), actor="lead-lee")
    assert (home / "data" / "nlu" / "shipping.yml").read_text() == before
    with pytest.raises(TrainingDataError):
        workflow.decide(first.id, Decision("faq_variant", article="no-such"), actor="lead-lee")
    assert workflow.inbox.item(first.id).status == "open"  # nothing half-done
    with pytest.raises(TrainingDataError):
        Decision.from_json({"action": "intent"})
    with pytest.raises(TrainingDataError):
        Decision.from_json({"action": "delete everything"})


def test_new_messages_join_an_open_group_instead_of_reshuffling(workflow, tmp_path):
    workflow.mine()
    size = workflow.inbox.items()[0].size
    db = sqlite3.connect(tmp_path / "tracker.db")
    db.execute(
        "INSERT INTO events (sender_id, type_name, data) VALUES (?, ?, ?)",
        ("c9", "user", json.dumps(unsure("I'm Al Roe, can my parcel go to a neighbour? a@b.com"))),
    )
    db.commit()
    db.close()
    result = workflow.mine()
    assert (result.new_messages, result.new_items, result.updated_items) == (1, 0, 1)
    assert workflow.inbox.items()[0].size == size + 1


def test_the_store_scan_reads_all_or_some_conversations(tmp_path):
    write_tracker(tmp_path / "t.db", {"a": [unsure("x")], "b": [unsure("y"), unsure("z")]})
    store = ConversationStore(f"sqlite:///{tmp_path / 't.db'}")
    assert len(list(store.scan(("user",)))) == 3
    assert [c for _, c, _ in store.scan(("user",), conversations=["b"])] == ["b", "b"]
    assert list(store.scan(("user",), after=3)) == []
    assert list(ConversationStore(f"sqlite:///{tmp_path / 'none.db'}").scan(("user",))) == []


def test_lines_of_an_examples_block_that_are_not_examples_are_kept(tmp_path):
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\n# our comment\nnlu:\n- intent: greet  # hello\n  examples: |\n'
        "    - hi\n    note kept as written\n"
    )
    assert IntentFile(path).add("greet", ["hiya"]) == ["hiya"]
    assert path.read_text() == (
        'version: "3.1"\n# our comment\nnlu:\n- intent: greet  # hello\n  examples: |\n'
        "    - hi\n    note kept as written\n    - hiya\n"
    )


@pytest.mark.parametrize("article", ["../outside", "returns/../../outside", "/etc/passwd"])
def test_a_faq_decision_cannot_reach_a_file_outside_the_knowledge_base(workflow, home, article):
    workflow.mine()
    item = workflow.inbox.items()[0]
    outside = home / "outside.md"
    outside.write_text("# Not an article\n\nSomething else.\n")
    with pytest.raises(TrainingDataError, match="not an article id"):
        Decision.from_json({"action": "faq_variant", "article": article})
    with pytest.raises(TrainingDataError, match="no knowledge-base article"):
        workflow.decide(item.id, Decision("faq_variant", article=article), actor="lead-lee")
    assert outside.read_text() == "# Not an article\n\nSomething else.\n"
    assert workflow.inbox.item(item.id).status == "open"
