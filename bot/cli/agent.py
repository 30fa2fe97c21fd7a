"""``supportbot agent add|list|password|languages|disable|enable|remove``: console users
(agents, leads, admins)."""

from __future__ import annotations

import argparse
import getpass

from bot.accounts import Role
from bot.cli.output import info
from bot.errors import SupportBotError
from bot.handoff.routing import DEFAULT_LANGUAGES, language_codes
from bot.services import Services


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    agent = subparsers.add_parser(
        "agent",
        help="create, list, disable and remove console users",
        description="Console users: agents chat with customers; leads also review and see "
        "reports; admins also manage users. Passwords are stored only as salted hashes.",
    )
    commands = agent.add_subparsers(dest="agent_command", required=True, metavar="COMMAND")
    add = commands.add_parser(
        "add",
        help="create a console user",
        description="Create a console user. Without --password the password is asked for "
        "(not echoed). At least 10 characters.",
    )
    add.add_argument("--name", required=True, help="user name (2-40 letters, digits, . _ - space)")
    add.add_argument("--password", help="the password (default: asked for)")
    add.add_argument(
        "--role", choices=[r.value for r in Role], default=Role.AGENT.value, help="default: agent"
    )
    add.add_argument(
        "--languages",
        help='the languages they chat in, as codes: "en,it" (default: en); customers writing '
        "them come to them first",
    )
    add.set_defaults(handler=_add)
    password = commands.add_parser("password", help="set a user's password (signs them out)")
    password.add_argument("--name", required=True)
    password.add_argument("--password", help="the new password (default: asked for)")
    password.set_defaults(handler=_password)
    languages = commands.add_parser(
        "languages",
        help="set the languages a user chats in (they can also set them in the console)",
        description="The languages a console user chats in, as ISO 639 codes: customers who "
        "write in one of them are given to them before colleagues who do not speak it.",
    )
    languages.add_argument("--name", required=True)
    languages.add_argument("languages", help='codes separated by commas, like "en,it,lt"')
    languages.set_defaults(handler=_languages)
    listing = commands.add_parser(
        "list", help="the console users: name, role, languages (and disabled)"
    )
    listing.set_defaults(handler=_list)
    disable = commands.add_parser(
        "disable",
        help="stop a console user signing in (signs them out at once; kept with their history)",
    )
    disable.add_argument("--name", required=True)
    disable.set_defaults(handler=_disable, disabled=True)
    enable = commands.add_parser("enable", help="let a disabled console user sign in again")
    enable.add_argument("--name", required=True)
    enable.set_defaults(handler=_disable, disabled=False)
    remove = commands.add_parser(
        "remove",
        help="remove a console user (signs them out at once)",
        description="Remove a console user: their sessions end at once, so their console and "
        "API calls are refused from the next request. Conversations they held go back to the "
        "queue when the desk sees them gone (as for an agent who went away); their history "
        "keeps the name. The last admin cannot be removed.",
    )
    remove.add_argument("--name", required=True)
    remove.set_defaults(handler=_remove)


def _ask(given: str | None) -> str:
    if given is not None:
        return given
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise SupportBotError("the passwords differ")
    return first


def _add(args: argparse.Namespace, services: Services) -> int:
    accounts = services.accounts()
    if args.languages is not None:
        try:  # refused before the user is created
            language_codes(args.languages)
        except ValueError as error:
            raise SupportBotError(str(error)) from None
    agent = accounts.add(args.name, _ask(args.password), args.role, now=services.clock())
    if args.languages is not None:
        accounts.set_languages(agent.name, args.languages)
    console = services.settings.console_url
    info(f"created {agent.role.value} {agent.name!r}; they sign in at {console}")
    return 0


def _languages(args: argparse.Namespace, services: Services) -> int:
    codes = services.accounts().set_languages(args.name, args.languages)
    info(f"{args.name!r} chats in {', '.join(codes)}")
    return 0


def _password(args: argparse.Namespace, services: Services) -> int:
    services.accounts().set_password(args.name, _ask(args.password))
    info(f"password changed for {args.name!r} (their sessions were signed out)")
    return 0


def _list(args: argparse.Namespace, services: Services) -> int:
    accounts = services.accounts()
    languages = accounts.languages()
    for agent in accounts.all():
        spoken = ",".join(languages.get(agent.name, DEFAULT_LANGUAGES))
        print(
            f"{agent.name}\t{agent.role.value}\t{spoken}" + ("\tdisabled" if agent.disabled else "")
        )
    return 0


def _disable(args: argparse.Namespace, services: Services) -> int:
    agent = services.accounts().set_disabled(args.name, args.disabled, now=services.clock())
    if agent.disabled:
        info(f"disabled {agent.role.value} {agent.name!r}; their sessions were signed out")
    else:
        info(f"enabled {agent.role.value} {agent.name!r}; they can sign in again")
    return 0


def _remove(args: argparse.Namespace, services: Services) -> int:
    agent = services.accounts().remove(args.name)
    info(f"removed {agent.role.value} {agent.name!r}; their sessions were signed out")
    return 0
