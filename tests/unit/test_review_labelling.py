"""The review inbox: masked storage, decisions written into the project's files, the audit."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.knowledge.articles import load_articles
from bot.privacy.redactor import Redactor
from bot.review.inbox import ArticleNeedingWork, ReviewItemNotFoundError
from bot.review.training_data import (
    IntentFile,
    ProjectIntents,
    TrainingDataError,
    add_article_variants,
    example_line,
)
from bot.review.workflow import Decision, ReviewWorkflow
from bot.services import Services
from bot.settings import Settings
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


def test_the_inbox_mines_with_the_repeat_similarity_of_config_yml(home, tmp_path):
    text = (PROJECT / "config.yml").read_text()
    changed = re.sub(r"(?m)^(\s+repeat_similarity:) [0-9.]+", r"\1 0.85", text)
    assert changed != text
    (home / "config.yml").write_text(changed)
    settings = Settings.create(home=home, data_dir=tmp_path / "var")

    workflow = Services(settings).review_workflow()

    assert workflow.repeat_similarity == 0.85  # the escalation policy's, not a second number


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


def workflow_over(tmp_path, home, database_url) -> ReviewWorkflow:
    """The review workflow over ``tmp_path/tracker.db`` and the project copy ``home``."""
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
    return workflow_over(tmp_path, home, database_url)


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


# -- confident wrong answers --------------------------------------------------------------------


def said(text: str, intent: str, confidence: float, *, at: datetime = OPEN_TIME) -> dict:
    return {
        "event": "user",
        "timestamp": at.timestamp(),
        "text": text,
        "metadata": {"model_id": "model-1"},
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
        },
    }


def answered_with(article: str) -> list[dict]:
    """The events of an answer from the knowledge base (actions/knowledge.py)."""
    return [
        {"event": "bot", "text": "The answer. Did that answer your question?"},
        {"event": "slot", "name": "last_article", "value": article},
        {"event": "slot", "name": "awaiting_feedback", "value": True},
    ]


SALE_QUESTION = "I'm Jane Cooper, can I return a sale item?"


@pytest.fixture
def wrong_answers(tmp_path, home, database_url):
    """Two customers answered wrongly with the sale-items article (one then asked for a
    person), one unsure message, and one answer that helped."""
    question = [said(SALE_QUESTION, "ask_returns", 0.93), *answered_with("returns-sale-items")]
    write_tracker(
        tmp_path / "tracker.db",
        {
            "c1": [*question, said("no", "deny", 0.95)],
            "c2": [*question, said("I want to talk to a person", "request_human", 0.98)],
            "c3": [unsure("gibberish qwxz", guess="greet")],
            "c4": [
                said("how do I reset my password", "ask_account", 0.95),
                *answered_with("account-password-reset"),
                said("thanks", "thank", 0.97),
            ],
        },
    )
    return workflow_over(tmp_path, home, database_url)


def test_a_wrong_answer_is_stored_with_its_article_and_ranks_first(wrong_answers):
    assert wrong_answers.mine().new_messages == 3  # not the answer that helped
    top, unsure_group = wrong_answers.inbox.items()
    assert top.wrong_answers == {"returns-sale-items": 2}
    assert top.signals["answered_wrongly"] == 2
    # 3 for a wrong answer, 6 for one after which the customer asked for a person (a day's
    # hour of age costs a little), against about 1 for an unsure message.
    assert 8.9 < top.score < 9.0 and unsure_group.score < 1.0
    shown = wrong_answers.inbox.item(top.id).to_json()
    assert shown["wrong_answers"] == {"returns-sale-items": 2}
    # The article to mark, said once by the server (the page reads it, not recomputes it).
    assert shown["wrongly_answered_with"] == "returns-sale-items"
    assert wrong_answers.inbox.item(unsure_group.id).to_json()["wrongly_answered_with"] is None
    counts = wrong_answers.inbox.wrong_answer_counts(["returns-sale-items", "returns-policy"])
    assert counts == {"returns-sale-items": 2}
    assert {m["answered_article"] for m in shown["messages"]} == {"returns-sale-items"}
    assert all("[NAME]" in m["text"] for m in shown["messages"])
    # What the bot said, and what the customer wrote next: the failure and what followed.
    assert {m["bot_reply"] for m in shown["messages"]} == {
        "The answer. Did that answer your question?"
    }
    assert sorted(m["next_message"] for m in shown["messages"]) == [
        "I want to talk to a person",
        "no",
    ]
    assert wrong_answers.inbox.item(unsure_group.id).messages[0].answered_article is None
    # Never "add it as a variant of the article that answered it wrongly".
    assert top.suggestion["article"] != "returns-sale-items"
    assert top.suggestion["proposal"] in ("faq_variant", "article_needs_work")


def test_a_no_after_a_mining_run_still_reaches_the_mined_message(wrong_answers, tmp_path):
    write_tracker(
        tmp_path / "later.db",
        {"c9": [said("sale stuff back??", "ask_returns", 0.41), *answered_with("returns-policy")]},
    )
    wrong_answers.store = ConversationStore(f"sqlite:///{tmp_path / 'later.db'}")
    wrong_answers.mine()
    (item,) = wrong_answers.inbox.items()
    assert item.signals == {"low_confidence": 1} and item.wrong_answers == {}
    db = sqlite3.connect(tmp_path / "later.db")
    db.execute(
        "INSERT INTO events (sender_id, type_name, data) VALUES (?, ?, ?)",
        ("c9", "user", json.dumps(said("that didn't help", "not_helpful", 0.96))),
    )
    db.commit()
    db.close()

    result = wrong_answers.mine()

    assert (result.new_messages, result.new_items, result.updated_items) == (0, 0, 1)
    (again,) = wrong_answers.inbox.items()
    assert again.signals == {"answered_wrongly": 1, "low_confidence": 1, "negative_feedback": 1}
    (message,) = wrong_answers.inbox.item(again.id).messages
    assert message.next_message == "that didn't help"  # learnt on the later run
    assert again.wrong_answers == {"returns-policy": 1}
    assert again.score == pytest.approx(3 * item.score)
    assert again.suggestion["proposal"] in ("faq_variant", "article_needs_work")
    assert again.suggestion["article"] != "returns-policy"


def add_event(path: Path, sender: str, event: dict) -> None:
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO events (sender_id, type_name, data) VALUES (?, ?, ?)",
        (sender, event["event"], json.dumps(event)),
    )
    db.commit()
    db.close()


def test_a_wrong_answer_shown_after_its_group_was_decided_waits_in_an_open_group(
    wrong_answers, tmp_path
):
    later = tmp_path / "later.db"
    question = [said("sale stuff back??", "ask_returns", 0.41), *answered_with("returns-policy")]
    write_tracker(later, {"c9": question, "c10": question})
    wrong_answers.store = ConversationStore(f"sqlite:///{later}")
    wrong_answers.mine()
    (item,) = wrong_answers.inbox.items()
    assert item.size == 2 and item.wrong_answers == {}
    wrong_answers.decide(item.id, Decision("intent", intent="ask_returns"), actor="lead-lee")
    add_event(later, "c9", said("that didn't help", "not_helpful", 0.96))

    result = wrong_answers.mine()

    # Like a new message, it joins the open groups (a decided group takes none): here a new one.
    assert (result.new_messages, result.new_items, result.late_wrong_answers) == (0, 1, 1)
    (again,) = wrong_answers.inbox.items()
    assert again.id != item.id and again.wrongly_answered_with == "returns-policy"
    assert again.suggestion["proposal"] in ("faq_variant", "article_needs_work")
    (message,) = wrong_answers.inbox.item(again.id).messages
    assert message.conversation_id == "c9" and message.answered_wrongly
    # The decided group keeps its decision and guess, and the message not shown wrong.
    decided = wrong_answers.inbox.item(item.id)
    assert (decided.status, decided.decision, decided.predicted_intent) == (
        "decided",
        {"action": "intent", "intent": "ask_returns"},
        "ask_returns",
    )
    assert [m.conversation_id for m in decided.messages] == ["c10"] and decided.size == 1

    # The other one too: it joins the open group; the decided group is left with none.
    add_event(later, "c10", said("no", "deny", 0.95))
    result = wrong_answers.mine()
    assert (result.new_items, result.late_wrong_answers) == (0, 1)
    (again,) = wrong_answers.inbox.items()
    assert again.size == 2 and again.wrong_answers == {"returns-policy": 2}
    decided = wrong_answers.inbox.item(item.id)
    assert (decided.status, decided.size, decided.messages) == ("decided", 0, [])
    assert decided.predicted_intent == "ask_returns"
    assert wrong_answers.mine().late_wrong_answers == 0  # nothing new: nothing moves
    detail = wrong_answers.decide(again.id, Decision("article_needs_work"), actor="lead-lee")
    assert detail["decision"]["article"] == "returns-policy" and detail["wrong_answers"] == 2


def test_marking_the_article_as_needing_work_writes_nothing_and_lists_it(wrong_answers, home):
    wrong_answers.mine()
    top, unsure_group = wrong_answers.inbox.items()
    before = {p: p.read_text() for p in (home / "knowledge_base").rglob("*.md")}

    detail = wrong_answers.decide(
        top.id, Decision.from_json({"action": "article_needs_work"}), actor="lead-lee"
    )

    assert detail["decision"] == {"action": "article_needs_work", "article": "returns-sale-items"}
    assert detail["written"] == {} and detail["wrong_answers"] == 2
    assert {p: p.read_text() for p in before} == before
    assert wrong_answers.inbox.item(top.id).status == "decided"
    (record,) = wrong_answers.inbox.audit()
    assert (record["actor"], record["action"]) == ("lead-lee", "article_needs_work")
    (article,) = wrong_answers.articles_needing_work()
    (sale,) = [a for a in load_articles(home / "knowledge_base") if a.id == "returns-sale-items"]
    assert sale.last_reviewed is not None and sale.last_reviewed < OPEN_TIME.date()
    assert article.to_json() == {
        "article": "returns-sale-items",
        "question": sale.question,
        "wrong_answers": 2,
        "marks": 1,
        "marked_at": (OPEN_TIME + timedelta(hours=1)).isoformat(),
        "marked_by": "lead-lee",
        "items": [top.id],
        "last_reviewed": sale.last_reviewed.isoformat(),
        "reviewed_since_marked": False,
    }
    # A group the bot never answered from the knowledge base needs the article named.
    with pytest.raises(TrainingDataError, match="answered none of this group's messages wrongly"):
        wrong_answers.decide(unsure_group.id, Decision("article_needs_work"), actor="lead-lee")
    with pytest.raises(TrainingDataError, match="no knowledge-base article"):
        wrong_answers.decide(
            unsure_group.id, Decision("article_needs_work", article="no-such"), actor="lead-lee"
        )
    assert wrong_answers.inbox.item(unsure_group.id).status == "open"


def test_an_article_is_marked_by_default_only_when_the_group_was_answered_wrongly(
    wrong_answers, tmp_path
):
    # Answered outright, and the customer said thanks: the article was not shown wrong.
    write_tracker(
        tmp_path / "later.db",
        {
            "c9": [
                said("sale stuff back??", "ask_returns", 0.41),
                *answered_with("returns-policy"),
                said("thanks", "thank", 0.97),
            ]
        },
    )
    wrong_answers.store = ConversationStore(f"sqlite:///{tmp_path / 'later.db'}")
    wrong_answers.mine()
    (item,) = wrong_answers.inbox.items()
    assert item.wrong_answers == {}
    assert wrong_answers.inbox.item(item.id).messages[0].answered_article == "returns-policy"

    with pytest.raises(TrainingDataError, match="answered none of this group's messages wrongly"):
        wrong_answers.decide(item.id, Decision("article_needs_work"), actor="lead-lee")
    assert wrong_answers.inbox.item(item.id).status == "open"

    # Named by the lead, any article of the knowledge base can be marked.
    detail = wrong_answers.decide(
        item.id, Decision("article_needs_work", article="returns-policy"), actor="lead-lee"
    )
    assert detail["decision"]["article"] == "returns-policy" and detail["wrong_answers"] == 0


def test_a_wrong_answer_is_attached_to_the_right_article_as_a_question_variant(wrong_answers, home):
    wrong_answers.mine()
    top = wrong_answers.inbox.items()[0]
    detail = wrong_answers.decide(
        top.id, Decision("faq_variant", article="returns-policy"), actor="lead-lee"
    )
    written = detail["written"]["knowledge_base/returns/returns-policy.md"]
    assert written == ["I'm [NAME], can I return a sale item?"]
    assert wrong_answers.articles_needing_work() == []


@pytest.mark.parametrize(
    ("last_reviewed", "reviewed_since"),
    [(None, False), (date(2026, 11, 23), False), (date(2026, 11, 24), True)],
)
def test_an_article_reviewed_on_the_day_it_was_marked_or_later_is_reviewed_since(
    last_reviewed, reviewed_since
):
    marked = ArticleNeedingWork(
        article="returns-sale-items",
        wrong_answers=3,
        marks=1,
        marked_at=OPEN_TIME,  # 24 November
        marked_by="lead-lee",
        items=[1],
        last_reviewed=last_reviewed,
    )
    assert marked.reviewed_since_marked is reviewed_since


def test_messages_in_another_language_make_their_own_group_and_can_be_listed_alone(
    tmp_path, home, database_url
):
    def italian(text: str) -> dict:
        event = unsure(text)
        event["parse_data"]["language"] = {"code": "it", "score": 0.98}
        return event

    write_tracker(
        tmp_path / "tracker.db",
        {
            "c1": [unsure("can my parcel go to a neighbour please")],
            # The same words with an Italian reading: another language, another group.
            "c2": [italian("can my parcel go to a neighbour please")],
            "c3": [italian("can my parcel go to a neighbour please")],
        },
    )
    workflow = workflow_over(tmp_path, home, database_url)

    workflow.mine()

    items = workflow.inbox.items()
    assert sorted((item.language or "", item.size) for item in items) == [("", 1), ("it", 2)]
    assert [i.language for i in workflow.inbox.items(language="it")] == ["it"]
    assert [i.language for i in workflow.inbox.items(language="en")] == [None]
    italian_group = workflow.inbox.item(workflow.inbox.items(language="it")[0].id)
    assert {m.language for m in italian_group.messages} == {"it"}
