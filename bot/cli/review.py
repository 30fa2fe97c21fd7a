"""``supportbot review``: the support leads' review inbox on the command line.

The same inbox as the console's review page: ``mine`` looks for new misunderstood messages,
``list`` and ``show`` read the groups (personal data already masked), ``decide`` labels a
group and writes it into the training data (or marks the article the bot answered it wrongly
with as needing work), ``articles`` lists the articles marked so, ``audit`` shows who decided
what.
"""

from __future__ import annotations

import argparse
import getpass
import json

from bot.cli.output import emit_json, info
from bot.language import language_name
from bot.review.inbox import ARTICLE_NEEDS_WORK, ReviewItem
from bot.review.training_data import TrainingDataError
from bot.review.workflow import Decision
from bot.services import Services


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    review = subparsers.add_parser(
        "review",
        help="the review inbox: messages the bot misunderstood, grouped, to label",
        description="Support leads' review inbox. Messages the bot probably misunderstood "
        "(unsure, fallback, choices rejected, 'that didn't help', right before a handoff, "
        "answered wrongly: a knowledge-base answer followed by 'no', the same question again "
        "or a request for a person) are masked (personal data), grouped with their "
        "near-duplicates and ranked by impact. Label a group and its messages become training "
        "examples; then `supportbot retrain` checks and promotes the new model. Or mark the "
        "article the bot answered with as needing work (`review articles` lists them).",
    )
    commands = review.add_subparsers(dest="review_command", required=True, metavar="STEP")

    mine = commands.add_parser("mine", help="look for new messages in the conversation store")
    mine.set_defaults(handler=_mine)

    listing = commands.add_parser("list", help="the groups, highest impact first")
    listing.add_argument("--status", choices=("open", "decided", "ignored", "all"), default="open")
    listing.add_argument("--limit", type=int, default=30)
    listing.add_argument("--json", action="store_true", help="one JSON object")
    listing.add_argument(
        "--language", help='only the groups in this language ("it"; "en" includes the unclear)'
    )
    listing.set_defaults(handler=_list)

    show = commands.add_parser("show", help="one group: its messages and the suggestions")
    show.add_argument("item", type=int, help="the group's number (from `review list`)")
    show.add_argument("--json", action="store_true", help="one JSON object")
    show.set_defaults(handler=_show)

    decide = commands.add_parser(
        "decide",
        help="label a group (exactly one of the choices below)",
        description="Label a group. Its messages are added to the intent's examples in "
        "data/nlu/ (every second one to the evaluation set evaluation/intents.yml instead), "
        "or to an article's question variants, keeping the files' comments; or, with "
        "--needs-work, nothing is written and the article is marked as needing work. "
        "Recorded in the audit log. The group's number may come before or after the choice: "
        "`decide 7 --needs-work` and `decide --needs-work 7` are the same.",
    )
    decide.add_argument("item", type=int, help="the group's number")
    choice = decide.add_mutually_exclusive_group(required=True)
    choice.add_argument("--accept", action="store_true", help="the bot's guess was right")
    choice.add_argument("--intent", metavar="NAME", help="it is this existing intent")
    choice.add_argument(
        "--new-intent",
        metavar="NAME",
        help="a new shop question answered from the knowledge base (see --topic)",
    )
    choice.add_argument(
        "--faq", metavar="ARTICLE", help="a question variant of this knowledge-base article"
    )
    choice.add_argument("--ignore", action="store_true", help="nothing to learn from it")
    choice.add_argument(
        "--needs-work",
        action="store_true",
        help="the bot answered it wrongly and the article itself is at fault: mark it as "
        "needing work (the article the bot answered the group wrongly with, or --article)",
    )
    decide.add_argument(
        "--article",
        metavar="ARTICLE",
        help="for --needs-work: the article to mark (needed when the bot never answered the "
        "group wrongly)",
    )
    decide.add_argument(
        "--topic", default="reviewed", help="for --new-intent: data/nlu/<topic>.yml"
    )
    decide.add_argument(
        "--by", default=None, help="who decides (recorded in the audit log; default: you)"
    )
    decide.set_defaults(handler=_decide)

    articles = commands.add_parser(
        "articles",
        help="the articles marked as needing work, with their wrong answers",
        description="The knowledge-base articles leads marked as needing work (`review decide "
        "N --needs-work`), those not reviewed since (their last_reviewed before the day of the "
        "latest mark) first, then by wrong answers: messages the bot answered with the article "
        "and the customer then said no, asked again or asked for a person. Rework the article "
        "and set its last_reviewed to today.",
    )
    articles.add_argument("--json", action="store_true", help="one JSON object")
    articles.set_defaults(handler=_articles)

    audit = commands.add_parser("audit", help="who decided what, newest first")
    audit.add_argument("--limit", type=int, default=50)
    audit.set_defaults(handler=_audit)


def _mine(args: argparse.Namespace, services: Services) -> int:
    result = services.review_workflow().mine()
    late = (
        f"; {result.late_wrong_answers} answered wrongly after their group was decided, "
        "to review again"
        if result.late_wrong_answers
        else ""
    )
    info(
        f"{result.new_messages} new message(s) to review: {result.new_items} new group(s), "
        f"{result.updated_items} grown{late}"
    )
    emit_json(result.to_json())
    return 0


def _list(args: argparse.Namespace, services: Services) -> int:
    inbox = services.review_workflow().inbox
    items = inbox.items(
        status=None if args.status == "all" else args.status,
        limit=args.limit,
        language=args.language or None,
    )
    if args.json:
        emit_json({"items": [item.to_json() for item in items]})
        return 0
    if not items:
        print(f"no {args.status} groups (run `supportbot review mine` to look for new messages)")
    for item in items:
        print(_summary(item))
    return 0


def _summary(item: ReviewItem) -> str:
    guess = item.predicted_intent or "-"
    person = f", {item.asked_for_person} then asked for a person" if item.asked_for_person else ""
    language = f"  in {language_name(item.language)}" if item.language else ""
    wrong = "".join(
        f"\n      answered wrongly with {article} ({count}x)"
        for article, count in sorted(item.wrong_answers.items())
    )
    return (
        f"#{item.id:<4} impact {item.score:5.2f}  {item.size} message(s){person}{language}  "
        f"guess {guess}  proposal {item.suggestion.get('proposal', '-')}\n      {item.text}"
        f"{wrong}"
    )


def _show(args: argparse.Namespace, services: Services) -> int:
    item = services.review_workflow().inbox.item(args.item)
    if args.json:
        emit_json(item.to_json())
        return 0
    print(_summary(item))
    print(f"status: {item.status}   signals: {json.dumps(item.signals)}")
    s = item.suggestion
    print(
        f"nearest intent: {s.get('intent')} ({s.get('intent_similarity')}: "
        f"{s.get('intent_example')!r})"
    )
    print(
        f"nearest article: {s.get('article')} ({s.get('article_similarity')}: "
        f"{s.get('article_question')!r})"
    )
    if s.get("proposal") == "new":
        print(
            f"fits nothing well: a new intent (for example {s.get('new_intent_name')}), or a "
            "new help article if the help centre does not cover it"
        )
    if item.decision:
        print(f"decided by {item.decided_by} at {item.decided_at}: {json.dumps(item.decision)}")
    print("messages (personal data masked):")
    for message in item.messages:
        print(
            f"  {message.sent_at:%Y-%m-%d %H:%M}  {message.intent or '-'} "
            f"{message.confidence:.2f}  [{', '.join(message.signals)}]  {message.text}"
            + (
                f"\n      answered with {message.answered_article}"
                if message.answered_article
                else ""
            )
        )
    return 0


def decision_of(args: argparse.Namespace) -> Decision:
    """The decision ``review decide``'s options ask for."""
    if args.article is not None and not args.needs_work:
        raise TrainingDataError(
            "--article names the article for --needs-work", hint="add --needs-work"
        )
    if args.accept:
        return Decision("accept")
    if args.intent:
        return Decision("intent", intent=args.intent)
    if args.new_intent:
        return Decision("new_intent", intent=args.new_intent, topic=args.topic)
    if args.faq:
        return Decision("faq_variant", article=args.faq)
    if args.needs_work:
        return Decision.from_json({"action": ARTICLE_NEEDS_WORK, "article": args.article})
    return Decision("ignore")


def _decide(args: argparse.Namespace, services: Services) -> int:
    decision = decision_of(args)
    actor = args.by or f"cli:{getpass.getuser()}"
    detail = services.review_workflow().decide(args.item, decision, actor=actor)
    for path, lines in detail["written"].items():
        info(f"{path}: {len(lines)} line(s) added")
    if decision.action == ARTICLE_NEEDS_WORK:
        info(
            f"{detail['decision']['article']}: marked as needing work "
            f"({detail['wrong_answers']} wrong answer(s) in this group); "
            "`supportbot review articles` lists the marked articles"
        )
    elif decision.action != "ignore":
        info("next: `supportbot retrain` trains, checks and promotes a model with it")
    emit_json({"item": args.item, **detail})
    return 0


def _articles(args: argparse.Namespace, services: Services) -> int:
    found = services.review_workflow().articles_needing_work()
    if args.json:
        emit_json({"articles": [article.to_json() for article in found]})
        return 0
    if not found:
        print("no article is marked as needing work")
    for article in found:
        reviewed = (
            f"  (reviewed since: last_reviewed {article.last_reviewed})"
            if article.reviewed_since_marked
            else ""
        )
        print(
            f"{article.article}  {article.wrong_answers} wrong answer(s)  marked {article.marks}x, "
            f"last by {article.marked_by} at {article.marked_at:%Y-%m-%d %H:%M}{reviewed}\n"
            f"      {article.question or '(no such article now)'}"
        )
    return 0


def _audit(args: argparse.Namespace, services: Services) -> int:
    for record in services.review_workflow().inbox.audit(limit=args.limit):
        print(
            f"{record['at']}  {record['actor']}  {record['action']}  "
            f"item {record['item_id']}  {json.dumps(record['detail'], ensure_ascii=False)}"
        )
    return 0
