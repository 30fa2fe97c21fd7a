"""``supportbot privacy export|forget|purge``: a customer's data, on request (a subject access
or erasure request) and by the retention period."""

from __future__ import annotations

import argparse
import getpass
import json
import os
from datetime import timedelta
from pathlib import Path

from bot.cli.output import emit_json, info
from bot.errors import SupportBotError
from bot.privacy.log_ids import conversation_ref
from bot.services import Services
from bot.storage.audit import AuditEntry


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    privacy = subparsers.add_parser(
        "privacy",
        help="export or erase a customer's data; erase conversations past the retention period",
        description="A customer's data is their conversations: every message and event in the "
        "tracker store, and in the desk's database their handoffs and history, complaints, "
        "follow-ups, activity and mined review messages; stored daily reports name a "
        "conversation only in their lists. Find a customer by conversation id or by what "
        "they wrote (an e-mail address, a phone number, an order number).",
    )
    commands = privacy.add_subparsers(dest="privacy_command", required=True, metavar="COMMAND")
    export = commands.add_parser(
        "export", help="everything stored about a customer's conversations, as JSON"
    )
    _who(export)
    export.add_argument("--output", type=Path, help="write the JSON here (default: stdout)")
    export.set_defaults(handler=_export)
    forget = commands.add_parser(
        "forget",
        help="erase a customer's conversations everywhere",
        description="Erase the conversations found, everywhere, for good. Without --yes, only "
        "lists what would be erased.",
    )
    _who(forget)
    forget.add_argument("--yes", action="store_true", help="erase (default: only list)")
    forget.set_defaults(handler=_forget)
    purge = commands.add_parser(
        "purge",
        help="erase conversations idle longer than the retention period, now",
        description="Erase every conversation with nothing new for longer than --days "
        "(default: privacy.retention_days in business.yml; the running web service does this "
        "once a day), except those with a handoff or complaint still open. Without --yes, "
        "only counts them.",
    )
    purge.add_argument("--days", type=int, help="default: privacy.retention_days")
    purge.add_argument("--yes", action="store_true", help="erase (default: only count)")
    purge.set_defaults(handler=_purge)


def _who(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--conversation", action="append", default=[], metavar="ID", help="a conversation id"
    )
    parser.add_argument(
        "--email",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="every conversation in which this address appears (any case)",
    )
    parser.add_argument(
        "--mentioning",
        action="append",
        default=[],
        metavar="TEXT",
        help="every conversation in which this text appears: a phone number, an order number",
    )


def _found(args: argparse.Namespace, services: Services) -> list[str]:
    """The conversations asked for, each printed with where it was found (so that a search
    which caught someone else can be seen before anything is exported or erased)."""
    wanted = [text.strip() for text in [*args.email, *args.mentioning]]
    if not args.conversation and not wanted:
        raise SupportBotError(
            "say whose data: --conversation ID, --email ADDRESS or --mentioning TEXT"
        )
    if any(len(text) < 5 for text in wanted):
        raise SupportBotError("an address or text to look for needs at least 5 characters")
    if any("@" not in address.strip("@") for address in args.email):
        raise SupportBotError("--email needs a whole address (name@domain)")
    found = services.customer_data().find(
        conversations=[c.strip() for c in args.conversation], mentioning=wanted
    )
    info(f"{len(found)} conversation(s) found")
    for conversation_id, around in found.items():
        info(f"  {conversation_id}\t{around!r}")
    return list(found)


def _audited(services: Services, action: str, targets: list[str]) -> None:
    """The audit log records who ran the command (their login on this machine), on what."""
    actor = f"cli:{getpass.getuser()}"
    log = services.audit_log()
    for target in targets:
        log.record(
            AuditEntry(at=services.clock(), actor=actor, action=action, target=target, status=0)
        )


def _export(args: argparse.Namespace, services: Services) -> int:
    found = _found(args, services)
    data = services.customer_data().export(found)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    exported = [f"conversation {conversation_ref(c)}" for c in found]
    if args.output is None:
        print(text)
        _audited(services, "export", exported)
        return 0
    # A customer's personal data: a new file, readable by you only from its first byte (no
    # symbolic link followed, no existing file reused).
    try:
        descriptor = os.open(
            args.output, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600
        )
    except FileExistsError:
        raise SupportBotError(f"{args.output} exists: give a new file") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as output:
        output.write(text + "\n")
    _audited(services, "export", exported)
    info(f"written to {args.output}")
    return 0


def _forget(args: argparse.Namespace, services: Services) -> int:
    found = _found(args, services)
    if not args.yes:
        for conversation_id in found:
            print(conversation_id)
        info("nothing erased: run again with --yes to erase these for good")
        return 0
    erased = services.customer_data().forget(found)
    _audited(services, "forget", [f"conversation {conversation_ref(c)}" for c in erased])
    info(f"erased {len(erased)} of {len(found)} conversation(s)")
    emit_json({"erased": erased})
    return 0


def _purge(args: argparse.Namespace, services: Services) -> int:
    days = args.days if args.days is not None else services.business_facts().retention_days
    if days is None:
        raise SupportBotError(
            "no retention period: give --days N, or set privacy.retention_days in business.yml"
        )
    if days < 1:
        raise SupportBotError("--days must be at least 1")
    data = services.customer_data()
    idle_since = services.clock() - timedelta(days=days)
    if not args.yes:
        count = sum(len(page) for page in data.due(idle_since))
        info(f"{count} conversation(s) idle over {days} days: run again with --yes to erase them")
        return 0
    erased = data.purge(idle_since)
    _audited(services, "purge", [f"{len(erased)} conversations idle over {days} days"])
    info(f"erased {len(erased)} conversation(s) idle over {days} days")
    emit_json({"erased": len(erased), "days": days})
    return 0
