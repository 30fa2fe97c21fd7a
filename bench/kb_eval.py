"""Knowledge-base search quality on the held-out test queries (``supportbot kb eval``).

Builds the demo index into a temporary folder, runs the public command exactly as a user would,
and records its JSON with the thresholds it used and what they were calibrated on.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml

from bench.common import PROJECT, supportbot_json, write_result

GOALS = {"top1": 0.92, "abstain_recall": 0.85}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        supportbot_json("kb", "build", "--out", str(index))
        metrics = supportbot_json(
            "kb", "eval", "--index", str(index), "--queries", "bench/data/kb_queries_test.csv"
        )
    calibration = yaml.safe_load((PROJECT / "knowledge_base" / "search.yml").read_text())
    write_result(
        "kb_eval",
        {
            "command": "supportbot kb eval --index <demo index> "
            "--queries bench/data/kb_queries_test.csv",
            "metrics": metrics,
            "goals": GOALS,
            "goals_met": {k: float(metrics[k] or 0) >= v for k, v in GOALS.items()},
            "search_config": calibration,
        },
    )
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
