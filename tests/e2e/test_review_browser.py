"""The review page (Chromium) on a confident wrong answer: the web service alone, on an
inbox mined beforehand (with the hash embedder: no model, no Rasa server), so the page's
rendering and the lead's decision are checked in a real browser in seconds.

A lead sees what the bot answered ("answered with" the article's question), marks the article
as needing work, and finds it under "Articles needing work" with its wrong answers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.knowledge.articles import load_articles
from bot.privacy.redactor import Redactor
from bot.review.training_data import IntentFile, ProjectIntents
from bot.review.workflow import ReviewWorkflow
from bot.runtime.ports import free_port
from bot.storage import migrate
from bot.storage.accounts import SqlAccounts
from bot.storage.engines import dispose
from bot.storage.review import SqlReviewInbox
from bot.storage.tracker import ConversationStore
from tests.conftest import PROJECT
from tests.e2e.conftest import screenshot
from tests.e2e.desk import PASSWORD
from tests.fakes import HashEmbedder
from tests.unit.test_review_labelling import answered_with, said, unsure, write_tracker

ARTICLE = "returns-sale-items"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    """The web service on a free port, its inbox holding a group the bot answered wrongly
    (twice), one answered wrongly with an article named like a property of every JavaScript
    object (``constructor``, not in the knowledge base) and an unsure message; a lead
    ``lead-lee``."""
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    url = f"sqlite:///{data_dir / 'desk.db'}"
    migrate.upgrade(url)
    now = datetime.now(UTC)
    question = said("I'm Jane Cooper, can I return a sale item?", "ask_returns", 0.93, at=now)
    write_tracker(
        data_dir / "tracker.db",
        {
            "c1": [question, *answered_with(ARTICLE), said("no", "deny", 0.95, at=now)],
            "c2": [
                question,
                *answered_with(ARTICLE),
                said("talk to a person", "request_human", 0.98, at=now),
            ],
            "c3": [unsure("gibberish qwxz", guess="greet", when=now)],
            "c4": [
                said("do you sell gift cards in your shop", "ask_gift_cards", 0.93, at=now),
                *answered_with("constructor"),
                said("no", "deny", 0.95, at=now),
            ],
        },
    )
    ReviewWorkflow(
        inbox=SqlReviewInbox(url),
        store=ConversationStore(f"sqlite:///{data_dir / 'tracker.db'}"),
        redactor=lambda: Redactor("FH[0-9]{4,8}"),
        embedder=HashEmbedder,
        project=ProjectIntents(PROJECT),  # read only
        eval_file=IntentFile(PROJECT / "evaluation" / "intents.yml"),
        kb_dir=PROJECT / "knowledge_base",
        clock=lambda: now + timedelta(minutes=5),
    ).mine()
    SqlAccounts(url).add("lead-lee", PASSWORD, "lead", now=now)
    dispose(url)
    port = free_port()
    log = tmp_path / "web.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.web", "--port", str(port)],
            cwd=PROJECT,
            env={**os.environ, "SUPPORTBOT_DATA_DIR": str(data_dir)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/console/review.html", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the web service did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_lead_sees_the_wrong_answer_and_marks_the_article_as_needing_work(web, page):
    (article,) = [a for a in load_articles(PROJECT / "knowledge_base") if a.id == ARTICLE]
    page.goto(f"{web}/console")
    page.get_by_test_id("username").fill("lead-lee")
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("signin").click()
    page.get_by_test_id("me").filter(has_text="lead-lee").wait_for(timeout=15000)
    page.goto(f"{web}/console/review.html")

    group = page.get_by_test_id("review-item").first  # highest impact first
    group.filter(has_text="answered wrongly with").wait_for(timeout=15000)
    assert "can I return a sale item" in group.inner_text()
    group.click()
    answered = page.get_by_test_id("review-answered")
    answered.first.wait_for(timeout=15000)
    assert (
        answered.all_inner_texts()
        == [f"answered with \u201c{article.question}\u201d ({ARTICLE})"] * 2
    )
    assert "[NAME]" in page.get_by_test_id("review-message").first.inner_text()
    # Each shows the bot's failed reply and what the customer did next.
    assert page.get_by_test_id("review-bot-reply").count() == 2
    assert (
        "Did that answer your question?"
        in page.get_by_test_id("review-bot-reply").first.inner_text()
    )
    assert page.get_by_test_id("review-next").count() == 2
    page.get_by_test_id("review-needs-work").check()
    assert page.get_by_test_id("review-needs-work-article").input_value() == ARTICLE
    page.get_by_test_id("review-save").click()
    page.get_by_test_id("review-status-line").filter(has_text="marked as needing work").wait_for(
        timeout=15000
    )

    marked = page.get_by_test_id("review-article-needing-work")
    marked.first.wait_for(timeout=15000)
    assert marked.count() == 1
    assert article.question in marked.inner_text() and "2 wrong answers" in marked.inner_text()
    page.get_by_test_id("review-audit").filter(has_text="article_needs_work").wait_for(
        timeout=15000
    )
    screenshot(page, "review-wrong-answer")
    # The unsure group offers no article to mark: the bot never answered it.
    page.get_by_test_id("review-item").filter(has_text="gibberish").click()
    page.get_by_test_id("review-title").filter(has_text="gibberish").wait_for(timeout=15000)
    assert page.get_by_test_id("review-needs-work").is_hidden()
    # An article id such as "constructor" is an id, not a property every object inherits: shown
    # as itself, and not offered to mark (no such article in the knowledge base).
    odd = page.get_by_test_id("review-item").filter(has_text="gift cards")
    assert "answered wrongly with constructor \u00d71" in odd.inner_text()
    odd.click()
    page.get_by_test_id("review-title").filter(has_text="gift cards").wait_for(timeout=15000)
    assert page.get_by_test_id("review-needs-work").is_hidden()
    # Only the sign-in page's expected "not signed in yet" (401), no script error.
    assert [e for e in page.errors if "status of 401" not in e] == []
