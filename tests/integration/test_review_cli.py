"""``supportbot review`` as a lead runs it, on an inbox with a confident wrong answer: the
listing and a group show the article the bot answered with, ``decide --needs-work`` marks it,
and ``review articles`` lists it with its wrong answers."""

from __future__ import annotations

import json
import os
from datetime import timedelta

from bot.privacy.redactor import Redactor
from bot.review.training_data import IntentFile, ProjectIntents
from bot.review.workflow import ReviewWorkflow
from bot.storage import migrate
from bot.storage.engines import dispose
from bot.storage.review import SqlReviewInbox
from bot.storage.tracker import ConversationStore
from tests.conftest import OPEN_TIME, PROJECT
from tests.fakes import HashEmbedder
from tests.integration.conftest import supportbot
from tests.unit.test_review_labelling import answered_with, said, write_tracker


def test_a_lead_marks_the_article_of_a_wrong_answer_on_the_command_line(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    url = f"sqlite:///{data_dir / 'desk.db'}"
    migrate.upgrade(url)
    question = [said("can I return a sale item", "ask_returns", 0.93)]
    write_tracker(
        tmp_path / "tracker.db",
        {
            "c1": [*question, *answered_with("returns-sale-items"), said("no", "deny", 0.95)],
            "c2": [*question, *answered_with("returns-sale-items"), said("no", "deny", 0.95)],
        },
    )
    # Mined here with the hash embedder (the command would load MiniLM and spaCy).
    ReviewWorkflow(
        inbox=SqlReviewInbox(url),
        store=ConversationStore(f"sqlite:///{tmp_path / 'tracker.db'}"),
        redactor=lambda: Redactor("FH[0-9]{4,8}"),
        embedder=HashEmbedder,
        project=ProjectIntents(PROJECT),  # read only: mining writes nothing into the project
        eval_file=IntentFile(PROJECT / "evaluation" / "intents.yml"),
        kb_dir=PROJECT / "knowledge_base",
        clock=lambda: OPEN_TIME + timedelta(hours=1),
    ).mine()
    dispose(url)
    env = {**os.environ, "SUPPORTBOT_DATA_DIR": str(data_dir)}
    (item,) = json.loads(supportbot("review", "list", "--json", env=env).stdout)["items"]

    listing = supportbot("review", "list", env=env)
    shown = supportbot("review", "show", str(item["id"]), env=env)
    decided = supportbot(
        "review", "decide", str(item["id"]), "--needs-work", "--by", "lea", env=env
    )
    articles = supportbot("review", "articles", "--json", env=env)
    text = supportbot("review", "articles", env=env)

    assert item["wrong_answers"] == {"returns-sale-items": 2}
    assert "answered wrongly with returns-sale-items (2x)" in listing.stdout
    assert shown.stdout.count("answered with returns-sale-items") == 2
    assert decided.returncode == 0, decided.stderr
    assert "returns-sale-items: marked as needing work (2 wrong answer(s)" in decided.stderr
    assert json.loads(decided.stdout.splitlines()[-1])["written"] == {}
    (marked,) = json.loads(articles.stdout.splitlines()[-1])["articles"]
    assert (marked["article"], marked["wrong_answers"], marked["marked_by"]) == (
        "returns-sale-items",
        2,
        "lea",
    )
    assert text.stdout.startswith("returns-sale-items  2 wrong answer(s)  marked 1x, last by lea")
