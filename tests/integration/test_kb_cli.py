"""``supportbot kb ...`` end to end with the real model: the contracts in design.md."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import supportbot

pytestmark = pytest.mark.model

FAQ = """id,question,answer
shipping,How long does delivery take?,Three to five working days.
shipping,when will my parcel arrive,
shipping,delivery time,
returns,How do I return an item?,Use the returns page within 30 days.
returns,send something back,
payment,Which payment methods do you accept?,"Visa, Mastercard and PayPal."
payment,can I pay with paypal,
"""

QUERIES = """text,expected_id
how many days until my order comes,shipping
i want to send my shoes back,returns
do you take paypal,payment
what is the capital of france,
"""

EVAL_KEYS = {
    "n", "top1", "top3", "mrr", "answered_rate", "answered_precision",
    "abstain_recall", "p50_ms", "p95_ms",
}  # fmt: skip


def env_for(tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        "SUPPORTBOT_DATA_DIR": str(tmp_path / "var"),
        "SUPPORTBOT_KB_INDEX_DIR": str(tmp_path / "default_index"),
    }


def build_csv_index(tmp_path) -> tuple[Path, dict]:
    """The FAQ above, built into ``tmp_path/index`` with the real command (and its JSON)."""
    (tmp_path / "faq.csv").write_text(FAQ)
    index = tmp_path / "index"
    built = supportbot(
        "kb",
        "build",
        "--source",
        str(tmp_path / "faq.csv"),
        "--out",
        str(index),
        env=env_for(tmp_path),
    )
    assert built.returncode == 0, built.stderr
    return index, last_json(built.stdout)


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_any_labelled_faq_csv_can_be_indexed_and_scored(tmp_path):
    (tmp_path / "queries.csv").write_text(QUERIES)

    index, manifest = build_csv_index(tmp_path)
    assert manifest["articles"] == 3

    scored = supportbot(
        "kb",
        "eval",
        "--index",
        str(index),
        "--queries",
        str(tmp_path / "queries.csv"),
        env=env_for(tmp_path),
    )
    assert scored.returncode == 0, scored.stderr
    metrics = last_json(scored.stdout)
    assert set(metrics) >= EVAL_KEYS
    assert metrics["n"] == 4
    assert metrics["top1"] == 1.0


def test_calibrate_writes_thresholds_that_a_rebuild_applies(tmp_path):
    (tmp_path / "queries.csv").write_text(QUERIES)
    index, _ = build_csv_index(tmp_path)

    result = supportbot(
        "kb", "calibrate", "--index", str(index), "--queries", str(tmp_path / "queries.csv"),
        "--write", str(tmp_path / "search.yml"), env=env_for(tmp_path),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "threshold" in result.stderr
    assert "answer_threshold:" in (tmp_path / "search.yml").read_text()
    assert last_json(result.stdout)["abstain_recall"] == 1.0

    rebuilt = supportbot(
        "kb", "build", "--source", str(tmp_path / "faq.csv"), "--out", str(index),
        "--search-config", str(tmp_path / "search.yml"), env=env_for(tmp_path),
    )  # fmt: skip
    assert rebuilt.returncode == 0, rebuilt.stderr
    written = yaml.safe_load((tmp_path / "search.yml").read_text())
    manifest = last_json(rebuilt.stdout)
    assert manifest["calibrated"] is True
    assert manifest["answer_threshold"] == pytest.approx(written["answer_threshold"], abs=1e-4)


def test_a_knowledge_base_without_labelled_queries_is_calibrated_from_its_articles(
    tmp_path, kb_copy
):
    # Without the tuned encoder, which would be trained for each of the ten folds (minutes).
    search = kb_copy / "search.yml"
    search.write_text(search.read_text().replace("tune_encoder: true", "tune_encoder: false"))
    result = supportbot(
        "kb", "calibrate", "--from-articles", "--source", str(kb_copy),
        "--write", str(tmp_path / "search.yml"), env=env_for(tmp_path),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    written = (tmp_path / "search.yml").read_text()
    assert "held-out phrasings of the knowledge base's own articles" in written
    metrics = last_json(result.stdout)
    assert metrics["out_of_scope"] > 0 and metrics["answerable"] > metrics["out_of_scope"]


def test_too_few_variants_to_calibrate_from_are_named(tmp_path):
    (tmp_path / "faq.csv").write_text(FAQ)

    result = supportbot(
        "kb", "calibrate", "--from-articles", "--source", str(tmp_path / "faq.csv"),
        env=env_for(tmp_path),
    )  # fmt: skip

    assert result.returncode != 0
    assert "4 variant(s)" in result.stderr and "Traceback" not in result.stderr


def test_calibrate_needs_labelled_queries_or_the_articles(tmp_path):
    result = supportbot("kb", "calibrate", env=env_for(tmp_path))

    assert result.returncode != 0
    assert "--from-articles" in result.stderr


def test_a_broken_article_stops_the_build_with_the_file_name(tmp_path, kb_copy):
    (kb_copy / "returns" / "returns-cost.md").write_text("no front matter here")

    result = supportbot(
        "kb", "build", "--source", str(kb_copy), "--out", str(tmp_path / "i"), env=env_for(tmp_path)
    )

    assert result.returncode == 2
    assert "returns/returns-cost.md: must start with front matter" in result.stderr
    assert "Traceback" not in result.stderr


def test_kb_check_names_the_command_that_builds_a_missing_index(tmp_path):
    result = supportbot("kb", "check", env=env_for(tmp_path))

    assert result.returncode == 2
    assert "no knowledge-base index" in result.stderr
    assert "supportbot kb build" in result.stderr


def test_kb_search_shows_what_the_bot_would_answer(tmp_path):
    index, _ = build_csv_index(tmp_path)

    result = supportbot(
        "kb", "search", "do you take paypal", "--index", str(index), env=env_for(tmp_path)
    )

    assert last_json(result.stdout)["matches"][0]["id"] == "payment"
