"""``supportbot review decide``'s options: which decision they ask for, whatever their order."""

from __future__ import annotations

import pytest

from bot.cli.main import build_parser
from bot.cli.review import decision_of
from bot.review.training_data import TrainingDataError
from bot.review.workflow import Decision

NEEDS_WORK = Decision("article_needs_work")
POLICY = Decision("article_needs_work", article="returns-policy")


@pytest.mark.parametrize(
    ("argv", "item", "decision"),
    [
        (["7", "--needs-work"], 7, NEEDS_WORK),
        (["--needs-work", "7"], 7, NEEDS_WORK),  # the group's number, not an article
        (["7", "--needs-work", "--article", "returns-policy"], 7, POLICY),
        (["--needs-work", "--article", "returns-policy", "7"], 7, POLICY),
        (["--article", "returns-policy", "--needs-work", "7"], 7, POLICY),
        (["--faq", "returns-policy", "7"], 7, Decision("faq_variant", article="returns-policy")),
        (["7", "--ignore"], 7, Decision("ignore")),
    ],
)
def test_review_decide_reads_the_group_and_the_decision_in_any_order(argv, item, decision):
    args = build_parser().parse_args(["review", "decide", *argv])
    assert (args.item, decision_of(args)) == (item, decision)


def test_review_decide_needs_work_takes_no_value():
    # The article goes with --article: a word after --needs-work is never read as one.
    with pytest.raises(SystemExit):
        build_parser().parse_args(["review", "decide", "7", "--needs-work", "returns-policy"])


def test_review_decide_refuses_an_article_without_needs_work_and_a_bad_article_id():
    with pytest.raises(TrainingDataError, match="--needs-work"):
        decision_of(
            build_parser().parse_args(["review", "decide", "7", "--ignore", "--article", "x"])
        )
    with pytest.raises(TrainingDataError, match="not an article id"):
        decision_of(
            build_parser().parse_args(
                ["review", "decide", "7", "--needs-work", "--article", "../outside"]
            )
        )
