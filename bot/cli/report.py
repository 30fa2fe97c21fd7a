"""``supportbot report``: the day's figures (contract in design.md), as JSON, CSV or HTML."""

from __future__ import annotations

import argparse
from datetime import date

from bot.cli.output import emit_json
from bot.errors import SupportBotError
from bot.reporting.files import as_csv
from bot.reporting.html import render
from bot.services import Services


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser(
        "report",
        help="the day's figures: conversations, containment, handoffs, waits, satisfaction",
        description="The figures of one day (in the business timezone of business.yml): "
        "conversations, contained_rate, handoff_rate, handoff_reasons, wait_p50_s, wait_p90_s, "
        "abandoned_rate, first_agent_response_p50_s, csat_avg, csat_satisfied_rate, "
        "csat_response_rate, estimated_satisfaction, complaints, complaints_sla_breached, "
        "top_unanswered and more. Definitions: README, 'Daily report'. JSON: one object on the "
        "last line of stdout. CSV: a header line and one line of values.",
    )
    report.add_argument("--date", required=True, help="the day, YYYY-MM-DD")
    report.add_argument(
        "--format",
        choices=("json", "csv", "html"),
        default="json",
        help="json (default), csv, or html: one self-contained page with charts (redirect it "
        "to a file and open it in a browser)",
    )
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace, services: Services) -> int:
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        raise SupportBotError(
            f"--date {args.date!r} is not a date", hint="write it as YYYY-MM-DD"
        ) from None
    facts = services.business_facts()
    result = services.daily_report(day, services.clock())
    if args.format == "html":
        print(render(result, company=facts.company_name), end="")
        return 0
    if args.format == "csv":
        print(as_csv(result), end="")
        return 0
    emit_json(result)
    return 0
