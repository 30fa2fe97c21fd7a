"""``supportbot audit``: who in the team read or changed what (the log admins also read at
``GET /api/audit``)."""

from __future__ import annotations

import argparse

from bot.services import Services


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = subparsers.add_parser(
        "audit",
        help="who in the team read or changed what, newest first",
        description="The audit log: each console or API request that read one customer's "
        "record or changed anything, and each `supportbot privacy` export or erasure (actor "
        "cli:<login>). One line each: id, time, actor, action, target, status.",
    )
    audit.add_argument("--actor", help="only this user (or cli:<login>)")
    audit.add_argument("--limit", type=int, default=50, help="default: 50")
    audit.set_defaults(handler=_show)


def _show(args: argparse.Namespace, services: Services) -> int:
    for entry in services.audit_log().entries(actor=args.actor, limit=max(1, args.limit)):
        print(
            f"{entry.id}\t{entry.at.isoformat(timespec='seconds')}\t{entry.actor}\t"
            f"{entry.action}\t{entry.target}\t{entry.status}"
        )
    return 0
