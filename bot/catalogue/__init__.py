"""What the bot says, in each language it speaks: one catalogue, one YAML file a language.

``en.yml`` holds every message, under a dotted key (``handoff.queued``): the replies the bot's
own code makes, Rasa's responses (``response.<name>``: ``domain.yml``'s English, said in another
language by ``bot.rasa_server.responses``) and the chat widget's labels (``widget.*``, written
into its script by ``bot.web.assets``). ``it.yml`` and ``lt.yml``
translate them all (written for the project); ``de.yml``, ``fr.yml`` and ``es.yml`` the few a
customer needs to be told honestly that the bot reads English only, and how to reach a person.
A message a language leaves out is said in English.

Messages are Python format strings (``"you're {position}"``): a translation has exactly the
English fields, and a list (the weekdays) has the English length; a file that breaks this is
refused when the catalogue loads, naming the file and the key.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.chat import TALK_TO_A_PERSON, Button

ENGLISH = "en"
FOLDER = Path(__file__).resolve().parent

Message = str | tuple[str, ...]


class CatalogueError(ValueError):
    """A language's file does not fit the English one."""


def say(key: str, language: str | None = None, /, **fields: object) -> str:
    """The message ``key`` in ``language`` (English where it has none), its fields filled."""
    if "language" in fields:
        raise TypeError("say(key, language, ...): the language comes second, not by name")
    message = _message(key, language)
    if not isinstance(message, str):
        raise TypeError(f"{key} is a list: use words()")
    return message.format(**fields)


def spoken(key: str, language: str | None) -> str | None:
    """The language message ``key`` is said in to a customer writing ``language``: theirs
    where the catalogue has the words, else None (English). A reply and its buttons follow it,
    so that one reply is never in two languages."""
    return language if translated(key, language) else None


def words(key: str, language: str | None = None) -> tuple[str, ...]:
    """The list ``key`` (the weekdays, the months) in ``language``, English where it has none."""
    message = _message(key, language)
    if isinstance(message, str):
        raise TypeError(f"{key} is a message: use say()")
    return message


def section(prefix: str, language: str) -> dict[str, str]:
    """The messages under ``prefix`` that ``language`` has, by their last name
    (``section("widget", "it")["open"]``); a language's missing ones are not in it."""
    start = prefix + "."
    return {
        key[len(start) :]: message
        for key, message in catalogue().get(language, {}).items()
        if key.startswith(start) and isinstance(message, str)
    }


def translated(key: str, language: str | None) -> bool:
    """Whether ``language``, not English, has its own words for ``key``."""
    if language is None or language == ENGLISH:
        return False
    return key in catalogue().get(language, {})


def languages() -> tuple[str, ...]:
    """The languages the bot has words in, English first."""
    return tuple(sorted(catalogue(), key=lambda code: (code != ENGLISH, code)))


def person_button(language: str | None) -> Button:
    """The "Talk to a person" button, its title in ``language`` where the bot has it."""
    return Button(say("person_button", language), TALK_TO_A_PERSON.payload)


def weekday_names(language: str | None) -> tuple[str, ...] | None:
    """Monday to Sunday in ``language`` (None: not known here, English included)."""
    return words("weekdays", language) if translated("weekdays", language) else None


def _message(key: str, language: str | None) -> Message:
    found = catalogue()
    said = found.get(language or ENGLISH, {}).get(key)
    return said if said is not None else found[ENGLISH][key]


@cache
def catalogue() -> dict[str, dict[str, Message]]:
    """Every language's messages by key, checked against the English."""
    found = {path.stem: _flat(_read(path)) for path in sorted(FOLDER.glob("*.yml"))}
    english = found[ENGLISH]
    for language, messages in found.items():
        for key, message in messages.items():
            _check(f"{language}.yml", key, message, english.get(key))
    return found


def _read(path: Path) -> Mapping[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, Mapping):
        raise CatalogueError(f"{path.name}: not a mapping of keys to messages")
    return loaded


def _flat(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Message]:
    flat: dict[str, Message] = {}
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(_flat(value, key + "."))
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            flat[key] = tuple(value)
        elif isinstance(value, str):
            flat[key] = value.strip()
        else:
            raise CatalogueError(f"{key}: a message is text or a list of texts")
    return flat


def _check(where: str, key: str, message: Message, english: Message | None) -> None:
    if english is None:
        raise CatalogueError(f"{where}: {key} is not in en.yml (misspelt key?)")
    if isinstance(message, str) != isinstance(english, str):
        kind = "text" if isinstance(english, str) else "list"
        raise CatalogueError(f"{where}: {key} must be a {kind}, as in en.yml")
    if isinstance(message, tuple):
        if len(message) != len(english):
            raise CatalogueError(f"{where}: {key} has {len(message)} items, en.yml {len(english)}")
        return
    assert isinstance(english, str)
    if _fields(message, where, key) != _fields(english, "en.yml", key):
        raise CatalogueError(
            f"{where}: {key} must use the fields of en.yml: "
            + (", ".join(sorted("{" + f + "}" for f in _fields(english, "en.yml", key))) or "none")
        )


def _fields(message: str, where: str, key: str) -> set[str]:
    try:
        parsed = list(string.Formatter().parse(message))
    except ValueError as error:
        raise CatalogueError(f"{where}: {key}: {error} (write a brace as {{{{ or }}}})") from None
    if any(name is not None and (spec or conversion) for _, name, spec, conversion in parsed):
        raise CatalogueError(f"{where}: {key}: write each field plainly, as {{name}}")
    return {name for _, name, _, _ in parsed if name is not None}
