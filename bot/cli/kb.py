"""``supportbot kb ...``: build, check, search, evaluate and calibrate the knowledge base."""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from bot.cli.output import emit_json, info
from bot.errors import ConfigurationError
from bot.knowledge import (
    IndexKind,
    KnowledgeSearcher,
    build_index,
    load_index,
    save_search_config,
)
from bot.knowledge.calibration import calibrate
from bot.knowledge.diagnosis import diagnose
from bot.knowledge.evaluation import (
    QueryOutcome,
    collect_candidates,
    load_queries,
    outcomes_for,
    score,
)
from bot.knowledge.search_config import SearchConfig, load_search_config
from bot.knowledge.self_calibration import QUERIES_NAME, held_out_phrasings
from bot.knowledge.store import SEARCH_FILE, read_source
from bot.services import Services

#: How many confusions the JSON line carries (``--report`` has them all), and how many
#: confident wrong answers are printed.
TOP_CONFUSIONS = 10
SHOWN_WRONG_ANSWERS = 15


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kb = subparsers.add_parser(
        "kb",
        help="build, check, search, evaluate and calibrate the FAQ knowledge base",
        description="Knowledge-base commands. Evaluation commands print one JSON object "
        "on the last line of stdout.",
    )
    commands = kb.add_subparsers(dest="kb_command", required=True, metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help="embed the articles and write the FAISS index",
        description="Build the search index from a knowledge-base folder, or from a CSV with "
        "columns id,question,answer (several rows per id add question variants).",
    )
    build.add_argument("--source", type=Path, help="KB folder or CSV (default: knowledge_base/)")
    build.add_argument("--out", type=Path, help="index folder (default: models/kb_index)")
    build.add_argument(
        "--search-config",
        type=Path,
        help="the ranking weights and thresholds to build with (default: search.yml in the "
        "knowledge-base folder; a CSV knowledge base has none unless given here)",
    )
    build.add_argument(
        "--kind",
        choices=["auto", *[k.value for k in IndexKind]],
        default="auto",
        help="flat = exact, hnsw = approximate; auto chooses by size (default)",
    )
    build.set_defaults(handler=_build)

    check = commands.add_parser(
        "check", help="exit 0 if the index exists and matches the knowledge base and model"
    )
    check.set_defaults(handler=_check)

    search = commands.add_parser("search", help="show what the bot would answer to a question")
    search.add_argument("text", help="the customer's question")
    search.add_argument("--index", type=Path, help="index folder (default: models/kb_index)")
    search.set_defaults(handler=_search)

    evaluate = commands.add_parser(
        "eval",
        help="score search against labelled queries (JSON on the last line)",
        description="Score an index against a CSV of text,expected_id (an empty expected_id "
        "means the bot should decline). Prints n, top1, top3, mrr, answered_rate, "
        "answered_precision, abstain_recall, confident_wrong, clarify_right, p50_ms, p95_ms "
        "and the articles most often mixed up (confusions) as JSON on the last line; prints "
        "the confident wrong answers on stderr. --report writes the whole diagnosis: every "
        "confusion, every confident wrong answer and each article's precision.",
    )
    _labelled_queries_arguments(evaluate)
    evaluate.add_argument("--answer-threshold", type=float, help="override the index's threshold")
    evaluate.add_argument("--clarify-margin", type=float, help="override the index's margin")
    evaluate.add_argument("--errors", type=Path, help="write the misranked queries to this CSV")
    evaluate.add_argument(
        "--report",
        type=Path,
        help="write the diagnosis (confusions, confident wrong answers, per-article precision) "
        "to this JSON file",
    )
    evaluate.set_defaults(handler=_eval)

    cal = commands.add_parser(
        "calibrate",
        help="choose the answer threshold and clarify margin from labelled queries",
        description="Sweep the answer threshold over labelled queries, print the trade-off, "
        "and choose the threshold with the most correct outcomes (a wrong answer weighs "
        "--wrong-answer-cost times a missed one). Use a query set apart from the one you "
        "report with `kb eval`. A knowledge base without labelled queries yet is calibrated "
        "with --from-articles: each article's variants are searched in an index without them, "
        "and whole articles left out stand for questions it does not answer.",
    )
    cal.add_argument("--index", type=Path, help="index folder (with --queries)")
    cal.add_argument("--queries", type=Path, help="CSV text,expected_id")
    cal.add_argument(
        "--from-articles",
        action="store_true",
        help="calibrate from held-out phrasings of the articles themselves (no labelled "
        "queries needed)",
    )
    cal.add_argument(
        "--source", type=Path, help="with --from-articles: knowledge-base folder or CSV"
    )
    cal.add_argument("--wrong-answer-cost", type=float, default=2.0)
    cal.add_argument("--write", type=Path, help="write the thresholds to this search.yml")
    cal.set_defaults(handler=_calibrate)


def _labelled_queries_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, required=True, help="index folder")
    parser.add_argument("--queries", type=Path, required=True, help="CSV text,expected_id")


def _build(args: argparse.Namespace, services: Services) -> int:
    settings = services.settings
    source = (args.source or settings.kb_dir).resolve()
    out = (args.out or settings.kb_index_dir).resolve()
    kind = None if args.kind == "auto" else IndexKind(args.kind)
    info(f"building the knowledge-base index from {source} ...")
    search_config = None
    if args.search_config is not None:
        if not args.search_config.is_file():
            raise ConfigurationError(f"search config not found: {args.search_config}")
        search_config = load_search_config(args.search_config)
    manifest = build_index(
        source,
        out,
        embedder=services.embedder,
        kind=kind,
        search_config=search_config,
        encoder_cache=settings.kb_encoder_cache,
    )
    info(
        f"indexed {manifest.articles} articles ({manifest.entries} phrasings, "
        f"{manifest.index_kind}) into {out} in {manifest.build_seconds:.1f}s"
    )
    emit_json(asdict(manifest))
    return 0


def _check(args: argparse.Namespace, services: Services) -> int:
    manifest = services.check_knowledge_index()
    info(f"index is current: {manifest.articles} articles, built {manifest.built_at}")
    return 0


def _search(args: argparse.Namespace, services: Services) -> int:
    index_dir = args.index or services.settings.kb_index_dir
    searcher = KnowledgeSearcher(load_index(index_dir), services.embedder)
    result = searcher.search(args.text)
    emit_json(
        {
            "decision": result.decision.value,
            "matches": [
                {"id": m.article.id, "score": round(m.score, 4), "matched": m.matched_text}
                for m in result.matches
            ],
        }
    )
    return 0


def _eval(args: argparse.Namespace, services: Services) -> int:
    index = load_index(args.index)
    config = index.search_config
    if args.answer_threshold is not None:
        config = replace(config, answer_threshold=args.answer_threshold)
    if args.clarify_margin is not None:
        config = replace(config, clarify_margin=args.clarify_margin)
    queries = load_queries(args.queries)
    collected = collect_candidates(KnowledgeSearcher(index, services.embedder), queries)
    outcomes = outcomes_for(collected, config)
    metrics = score(outcomes, config)
    if not index.search_config.is_calibrated and args.answer_threshold is None:
        info("note: this index has no calibrated threshold; see `supportbot kb calibrate`")
    if args.errors:
        _write_errors(args.errors, outcomes)
    diagnosis = diagnose(outcomes, config)
    _show_confident_wrong(diagnosis["confident_wrong_answers"])
    if args.report:
        args.report.write_text(json.dumps(diagnosis, indent=1, ensure_ascii=False) + "\n")
        info(f"wrote {args.report}")
    emit_json({**metrics, "confusions": diagnosis["confusions"][:TOP_CONFUSIONS]})
    return 0


def _show_confident_wrong(wrong: Sequence[dict[str, Any]]) -> None:
    if not wrong:
        info("no confident wrong answers")
        return
    info(f"{len(wrong)} confident wrong answer(s) (answered outright with another article):")
    for item in wrong[:SHOWN_WRONG_ANSWERS]:
        info(f"  {item['score']:.3f}  {item['answered']} <- {item['text']!r} ({item['expected']})")
    if len(wrong) > SHOWN_WRONG_ANSWERS:
        info(f"  ... and {len(wrong) - SHOWN_WRONG_ANSWERS} more (see --report)")


def _calibrate(args: argparse.Namespace, services: Services) -> int:
    if args.from_articles == bool(args.queries or args.index):
        raise ConfigurationError(
            "give either --index and --queries (labelled queries) or --from-articles",
            hint="supportbot kb calibrate --from-articles --write knowledge_base/search.yml",
        )
    if args.source and not args.from_articles:
        raise ConfigurationError("--source goes with --from-articles")
    if args.from_articles:
        source = (args.source or services.settings.kb_dir).resolve()
        base = SearchConfig()
        if source.is_dir():
            base = load_search_config(source / SEARCH_FILE)
        info(f"searching held-out phrasings of the articles in {source} ...")
        collected = held_out_phrasings(read_source(source), services.embedder, base=base)
        queries_name, model_id = QUERIES_NAME, services.embedder.model_id
    else:
        if not (args.queries and args.index):
            raise ConfigurationError("--queries and --index go together")
        index = load_index(args.index)
        queries = load_queries(args.queries)
        searcher = KnowledgeSearcher(index, services.embedder)
        collected = collect_candidates(searcher, queries)
        # The tuned encoder's id when the index has one: its thresholds belong to that space.
        base, model_id = index.search_config, searcher.model_id
        queries_name = args.queries.name
    config, points, metrics = calibrate(
        collected,
        base=base,
        wrong_answer_cost=args.wrong_answer_cost,
        queries_name=queries_name,
        model_id=model_id,
    )
    info("threshold  utility  correct  wrong  declined(answerable)  declined(out of scope)")
    step = max(1, len(points) // 25)
    for point in points[::step]:
        info(
            f"{point.threshold:9.3f}  {point.utility:7.1f}  {point.correct_answers:7d}  "
            f"{point.wrong_answers:5d}  {point.declined_answerable:20d}  "
            f"{point.declined_out_of_scope:22d}"
        )
    info(
        f"chosen: answer_weight={config.answer_weight} lexical_weight={config.lexical_weight} "
        f"classifier_weight={config.classifier_weight} kind_weight={config.kind_weight} "
        f"clarify_on_disagreement={config.clarify_on_disagreement} "
        f"answer_threshold={config.answer_threshold:.4f} clarify_margin={config.clarify_margin:.3f}"
    )
    if args.write:
        save_search_config(config, args.write)
        info(f"wrote {args.write}; rebuild the index (`supportbot kb build`) to apply it")
    emit_json(metrics)
    return 0


def _write_errors(path: Path, outcomes: Sequence[QueryOutcome]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "expected_id", "top1", "top1_score", "top2", "top2_score"])
        for o in outcomes:
            top = o.ranked_ids[0] if o.ranked_ids else ""
            if top == (o.query.expected_id or ""):
                continue
            writer.writerow(
                [
                    o.query.text,
                    o.query.expected_id or "",
                    top,
                    f"{o.scores[0]:.4f}" if o.scores else "",
                    o.ranked_ids[1] if len(o.ranked_ids) > 1 else "",
                    f"{o.scores[1]:.4f}" if len(o.scores) > 1 else "",
                ]
            )
    info(f"wrote {path}")
