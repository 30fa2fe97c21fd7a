"""``supportbot db upgrade|current``: the schema of supportbot's own database.

``supportbot run`` upgrades by itself before it starts anything; these commands are for an
operator who moves to PostgreSQL, installs a new version, or wants to see where a database is.
Both print one JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse

from bot.cli.output import emit_json, info
from bot.services import Services
from bot.storage import migrate


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser(
        "db",
        help="upgrade or show the schema of the desk database",
        description="The support desk's database (SUPPORTBOT_DATABASE_URL; default "
        "sqlite:///var/desk.db): handoffs, agents, complaints, follow-ups, the review inbox. "
        "Rasa's tracker store (SUPPORTBOT_TRACKER_URL) is created by Rasa itself.",
    )
    commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade = commands.add_parser(
        "upgrade",
        help="bring the database's schema up to date (keeps every row; safe to repeat)",
        description="Create the database's tables, or bring an existing database to the "
        "newest schema, keeping every row. Safe to run again, and while the product runs.",
    )
    upgrade.set_defaults(handler=_upgrade)
    current = commands.add_parser(
        "current", help="the schema revision the database is at, and the newest one"
    )
    current.set_defaults(handler=_current)


def _upgrade(args: argparse.Namespace, services: Services) -> int:
    url = services.settings.database_url
    before, after = migrate.upgrade(url)
    if before == after:
        info(f"{migrate.safe_url(url)} is up to date (revision {after})")
    else:
        info(f"{migrate.safe_url(url)} upgraded from {before or 'an empty database'} to {after}")
    emit_json({"database": migrate.safe_url(url), "before": before, "after": after})
    return 0


def _current(args: argparse.Namespace, services: Services) -> int:
    url = services.settings.database_url
    revision, head = migrate.current(url), migrate.head()
    if revision == head:
        info(f"{migrate.safe_url(url)} is at revision {revision}, the newest")
    else:
        info(
            f"{migrate.safe_url(url)} is at revision {revision or 'none (no tables yet)'}; "
            f"the newest is {head}: run supportbot db upgrade"
        )
    emit_json({"database": migrate.safe_url(url), "revision": revision, "head": head})
    return 0
