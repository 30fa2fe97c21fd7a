"""Mining and grouping time for 100k logged customer messages (the review inbox's first run).

A synthetic tracker store is generated (seeded): 100,000 customer messages in 25,000
conversations over 60 days. Each message is one of the project's own NLU and evaluation
phrasings, with a random greeting, ending, and sometimes personal data (name, e-mail,
order number), so texts vary as real ones do. About a third are unsure (fallback or low
confidence), some get "that didn't help" or a handoff after them. Rasa writes the same event
shapes (``user``, ``bot``, ``slot``).

Then ``ReviewWorkflow.mine()`` runs once over all of it with the real parts: the tracker
scan, mining, spaCy redaction, MiniLM embeddings, FAISS grouping, and the inbox in SQLite.
The grouping alone is timed again on the same vectors.

Run: ``.venv/bin/python -m bench.review_mining [--messages N]`` →
``bench/results/review_mining.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.common import PROJECT, write_result
from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path
from bot.privacy.redactor import Redactor
from bot.review.clustering import cluster
from bot.review.training_data import IntentFile, ProjectIntents
from bot.review.workflow import ReviewWorkflow
from bot.settings import Settings
from bot.storage import migrate
from bot.storage.review import SqlReviewInbox
from bot.storage.tracker import ConversationStore

SEED = 11
START = datetime(2026, 9, 26, tzinfo=UTC).timestamp()
DAYS = 60
OPENINGS = ["", "", "", "hi ", "hello, ", "quick question: ", "hey there ", "morning! "]
ENDINGS = ["", "", "", "?", " thanks", " please", " asap", "!!", " cheers"]
NAMES = ["Jane Cooper", "Tom Baker", "Priya Shah", "Ola Nowak", "Sam Reid", "Ana Lima"]


def build_tracker(path: Path, messages: int, rng: random.Random) -> int:
    phrasings = [
        (intent, text)
        for source in (
            ProjectIntents(PROJECT).examples(),
            IntentFile(PROJECT / "evaluation" / "intents.yml").examples(),
        )
        for intent, texts in source.items()
        for text in texts
    ]
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
        "timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)"
    )
    rows = []
    for number in range(messages):
        conversation = f"bench-{number // 4}"
        intent, text = rng.choice(phrasings)
        text = rng.choice(OPENINGS) + text + rng.choice(ENDINGS)
        if rng.random() < 0.1:
            name = rng.choice(NAMES)
            text = f"I'm {name}, {text} {name.split()[0].lower()}@example.com"
        if rng.random() < 0.1:
            text += f" order FH{rng.randint(10000, 999999)}"
        confidence = rng.random()
        top = {"name": intent, "confidence": confidence}
        if confidence < 0.3:
            top = {"name": "nlu_fallback", "confidence": 0.3}
        event = {
            "event": "user",
            "timestamp": START + rng.random() * DAYS * 86400,
            "text": text,
            "metadata": {"model_id": "bench-model"},
            "parse_data": {
                "intent": top,
                "intent_ranking": [top, {"name": intent, "confidence": confidence}],
            },
        }
        rows.append((conversation, "user", json.dumps(event)))
        if rng.random() < 0.5:
            rows.append((conversation, "slot", json.dumps(_slot("awaiting_feedback", True))))
            if rng.random() < 0.15:
                feedback = {
                    "event": "user",
                    "timestamp": event["timestamp"] + 5,
                    "text": "that didn't help",
                    "parse_data": {"intent": {"name": "not_helpful", "confidence": 0.95}},
                }
                rows.append((conversation, "user", json.dumps(feedback)))
        if rng.random() < 0.03:
            rows.append((conversation, "slot", json.dumps(_slot("handoff", {"status": "queued"}))))
    db.executemany("INSERT INTO events (sender_id, type_name, data) VALUES (?, ?, ?)", rows)
    db.commit()
    db.close()
    return len(rows)


def _slot(name: str, value: object) -> dict[str, object]:
    return {"event": "slot", "name": name, "value": value}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(SEED)
    settings = Settings.from_env()
    embedder = SentenceTransformerEmbedder(
        resolve_model_path(settings.embedding_model), threads=settings.torch_threads
    )
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        events = build_tracker(root / "tracker.db", args.messages, rng)
        desk_url = f"sqlite:///{root / 'desk.db'}"
        migrate.upgrade(desk_url)
        inbox = SqlReviewInbox(desk_url)
        workflow = ReviewWorkflow(
            inbox=inbox,
            store=ConversationStore(f"sqlite:///{root / 'tracker.db'}"),
            redactor=lambda: Redactor("FH[0-9]{4,8}"),
            embedder=lambda: embedder,
            project=ProjectIntents(PROJECT),
            eval_file=IntentFile(root / "eval.yml"),
            kb_dir=PROJECT / "knowledge_base",
            clock=lambda: datetime(2026, 11, 25, tzinfo=UTC),
        )
        _ = workflow.redactor  # load spaCy before the clock starts, as a server would
        started = time.perf_counter()
        result = workflow.mine()
        mine_seconds = time.perf_counter() - started
        items = inbox.items(limit=1_000_000)
        with sqlite3.connect(root / "desk.db") as db:
            masked = [r[0] for r in db.execute("SELECT text FROM review_messages")]
        unique = sorted(set(masked))
        vectors = np.asarray(embedder.embed(unique), dtype=np.float32)
        started = time.perf_counter()
        groups = cluster(vectors)
        cluster_seconds = time.perf_counter() - started
    write_result(
        "review_mining",
        {
            "messages": args.messages,
            "tracker_events": events,
            "candidates": result.candidates,
            "unique_masked_texts": len(unique),
            "groups": len(items),
            "mine_seconds": round(mine_seconds, 1),
            "messages_per_second": round(args.messages / mine_seconds),
            "grouping_only_seconds": round(cluster_seconds, 2),
            "grouping_only_groups": len(set(groups)),
            "note": "synthetic messages built from the project's own phrasings (seeded); "
            "mine_seconds covers the scan, mining, redaction, embedding, grouping and storage",
        },
    )
    print(json.dumps({"mine_seconds": round(mine_seconds, 1), "groups": len(items)}))


if __name__ == "__main__":
    main()
