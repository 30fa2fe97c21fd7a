"""``supportbot redact``: mask personal data in messages, one a line (stdin → stdout)."""

from __future__ import annotations

import argparse
import sys

from bot.privacy.redactor import Redactor
from bot.services import Services


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    redact = subparsers.add_parser(
        "redact",
        help="mask personal data in messages read from stdin, one a line",
        description="Read messages from stdin, one a line, and write each with personal data "
        "masked as [EMAIL], [PHONE], [CARD], [IBAN], [ORDER], [ADDRESS] or [NAME], one a "
        "line: the same number of lines, in the same order. The shop's order-number format "
        "comes from company.order_number_pattern in business.yml.",
    )
    redact.set_defaults(handler=_redact)


def _redact(args: argparse.Namespace, services: Services) -> int:
    redactor = Redactor(services.business_facts().order_number_pattern)
    for line in sys.stdin:
        ending = "\n" if line.endswith("\n") else ""
        sys.stdout.write(redactor.redact(line.rstrip("\r\n")) + ending)
    sys.stdout.flush()
    return 0
