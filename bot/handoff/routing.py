"""Who takes a waiting customer: a colleague who speaks their language.

Agents list the languages they chat in (``agents.languages``; English when they have not said,
the bot's own language). A waiting customer's language is the one they wrote in when they
asked for a person (``bot.language``), or none when it was not clear: then anyone will do.

With automatic assignment (``live_chat.auto_assign``) the queue is served in its order, and
each customer goes to the least-loaded online agent with room who speaks their language. When
every such agent is busy, the customer is held for them, for at most
``live_chat.same_language_wait_seconds`` since they started waiting, while the customers behind
them are served; after that, or with nobody online who speaks it, they go to anyone with room
(the console shows their language). Agents who claim by hand see every customer's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.language import ENGLISH, language_code

#: The languages of an agent who has not said: the bot's own.
DEFAULT_LANGUAGES: tuple[str, ...] = (ENGLISH,)
#: The most languages one agent lists.
MOST_LANGUAGES = 12


@dataclass(frozen=True)
class OnlineAgent:
    name: str
    capacity: int
    load: int
    languages: tuple[str, ...] = DEFAULT_LANGUAGES

    @property
    def has_room(self) -> bool:
        return self.load < self.capacity


def language_codes(value: object) -> tuple[str, ...]:
    """An agent's languages from ``"en, it"`` or ``["en", "IT-it"]``: ISO 639 codes, lower case,
    each once, in the order given. ValueError (saying what is wrong) for anything else."""
    if isinstance(value, str):
        items: list[object] = [part for part in re.split(r"[,\s]+", value) if part]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError('languages are a list of language codes, like ["en", "it"]')
    codes: list[str] = []
    for item in items:
        code = language_code(item)
        if code is None:
            raise ValueError(
                f"{str(item)[:20]!r} is not a language code: use two or three letters, "
                'like "en", "it" or "lt"'
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ValueError("list at least one language")
    if len(codes) > MOST_LANGUAGES:
        raise ValueError(f"list at most {MOST_LANGUAGES} languages")
    return tuple(codes)


def stored_languages(value: str | None) -> tuple[str, ...]:
    """An agent's languages as the database keeps them (``"en,it"``; None: not said)."""
    if not value:
        return DEFAULT_LANGUAGES
    try:
        return language_codes(value)
    except ValueError:
        return DEFAULT_LANGUAGES


def speaks(languages: Iterable[str], language: str | None) -> bool:
    """Whether an agent with these languages can take a customer writing ``language``."""
    return language is None or language in languages


def choose_agent(
    language: str | None,
    online: Sequence[OnlineAgent],
    *,
    waited: timedelta,
    hold: timedelta,
) -> str | None:
    """The agent who takes this customer now, or None: nobody has room, or the customer is
    held for a busy colleague who speaks their language (see the module's docstring)."""
    free = [agent for agent in online if agent.has_room]
    if not free:
        return None
    speakers = [agent for agent in free if speaks(agent.languages, language)]
    if speakers:
        return _least_loaded(speakers)
    busy_speakers = any(speaks(agent.languages, language) for agent in online)
    if busy_speakers and waited < hold:
        return None
    return _least_loaded(free)


def _least_loaded(agents: Sequence[OnlineAgent]) -> str:
    return min(agents, key=lambda agent: (agent.load, agent.name)).name
