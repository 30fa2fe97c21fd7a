"""``make bench``: run the benchmarks and write their JSON results to bench/results/.

By default the quick ones (a few minutes): knowledge-base quality (the demo's held-out
queries, and HWU64 imported as an FAQ), NLU cross-validation and out-of-scope detection,
REST latency beside a bare ``rasa init`` bot, the encoder's variants, messages parsed in
groups, the processes' memory and the commands' start time, the widget's load cost in
Chromium, socket.io round trips, sentiment, escalation, complaints recognised in the wording,
the live handoff, and the storage layer on SQLite and PostgreSQL. ``--all`` adds
the index scale test (1M entries, ~15 minutes), Rasa's DIET reference cross-validation
(~6 minutes), the fresh-clone timings (~15 minutes), the sentiment recipe search
(~35 minutes), the tuned encoder's recipe (~6 minutes), mining 100k logged messages for
review, the retrain steps' times and the daily report on 30 days of generated conversations.
"""

from __future__ import annotations

import subprocess
import sys

QUICK = [
    ["bench.kb_eval"],
    ["bench.kb_public"],
    ["bench.nlu_eval"],
    ["bench.nlu_oos"],
    ["bench.latency"],
    ["bench.encoder_variants"],
    ["bench.encoder_precision"],
    ["bench.parse_groups"],
    ["bench.footprint"],
    ["bench.widget"],
    ["bench.socketio_rtt"],
    ["bench.sentiment_eval"],
    ["bench.escalation_eval"],
    ["bench.complaint_recognition"],
    ["bench.handoff"],
    ["bench.storage"],
    ["bench.redaction"],
    ["bench.fuzz"],
]
SLOW = [
    ["bench.nlu_eval", "--with-diet"],
    ["bench.kb_scale"],
    ["bench.fresh_machine"],
    ["bench.sentiment_tuning"],
    ["bench.kb_tuning"],
    ["bench.review_mining"],
    ["bench.retrain"],
    ["bench.reporting"],
]


def main() -> int:
    runs = QUICK + (SLOW if "--all" in sys.argv else [])
    if "--all" in sys.argv:
        runs.remove(["bench.nlu_eval"])  # the --with-diet run writes the same result
    for module in runs:
        print(f"== {' '.join(module)}", flush=True)
        completed = subprocess.run([sys.executable, "-m", *module], check=False)
        if completed.returncode != 0:
            return completed.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
