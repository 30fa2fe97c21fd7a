"""A waiting customer goes to a colleague who speaks their language (bot/handoff/routing.py),
on real databases (SQLite and PostgreSQL): agents' languages, automatic assignment, the hold
for a busy speaker, and waits estimated per language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import SupportBotError
from bot.handoff.model import Presence
from bot.handoff.routing import OnlineAgent, choose_agent, language_codes, stored_languages
from bot.storage.accounts import SqlAccounts
from bot.storage.handoffs import SqlHandoffQueue

T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
HOLD = timedelta(minutes=2)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("given", "codes"),
    [
        ("en", ("en",)),
        ("en, IT,lt", ("en", "it", "lt")),
        (["it", "it", "en"], ("it", "en")),
        ("fil", ("fil",)),
    ],
)
def test_an_agents_languages_are_codes_each_once(given, codes):
    assert language_codes(given) == codes


@pytest.mark.parametrize(
    "given", ["", [], "english", "e", ["en", 3], None, 42, "en;it", ["<b>"], ["en"] * 0 + ["x1"]]
)
def test_anything_but_language_codes_is_refused_with_a_reason(given):
    with pytest.raises(ValueError, match="language"):
        language_codes(given)


def test_too_many_languages_are_refused():
    many = ["aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba"]
    with pytest.raises(ValueError, match="at most 12"):
        language_codes(many)


def test_an_agent_who_has_not_said_speaks_english():
    assert stored_languages(None) == ("en",)
    assert stored_languages("") == ("en",)
    assert stored_languages("it,lt") == ("it", "lt")


def agent(name: str, load: int, *languages: str, capacity: int = 2) -> OnlineAgent:
    return OnlineAgent(name, capacity, load, languages or ("en",))


@pytest.mark.parametrize(
    ("language", "online", "waited", "chosen"),
    [
        # A colleague who speaks it, with room: them, even if busier.
        ("it", [agent("ann", 0), agent("gio", 1, "en", "it")], 0, "gio"),
        # No language known: the least loaded.
        (None, [agent("ann", 1), agent("gio", 0, "it")], 0, "gio"),
        # The speaker is full: held for them while the hold lasts ...
        ("it", [agent("ann", 0), agent("gio", 2, "it")], 1, None),
        # ... then anyone.
        ("it", [agent("ann", 0), agent("gio", 2, "it")], 2, "ann"),
        # Nobody online speaks it: anyone at once.
        ("lt", [agent("ann", 1), agent("bob", 0)], 0, "bob"),
        # Nobody has room.
        ("en", [agent("ann", 2), agent("bob", 2)], 5, None),
        # Ties go by name, so the choice is stable.
        ("en", [agent("bob", 0), agent("ann", 0)], 0, "ann"),
    ],
)
def test_who_takes_a_waiting_customer(language, online, waited, chosen):
    got = choose_agent(language, online, waited=timedelta(minutes=waited), hold=HOLD)
    assert got == chosen


@pytest.fixture
def queue(database_url) -> SqlHandoffQueue:
    return SqlHandoffQueue(database_url)


@pytest.fixture
def accounts(database_url) -> SqlAccounts:
    return SqlAccounts(database_url)


def ask(queue, conversation: str, minute: float, language: str | None):
    return queue.request(
        conversation,
        channel="socketio",
        reason="asked for a person",
        priority="normal",
        actor="customer",
        now=at(minute),
        language=language,
    )


def online(queue, accounts, name: str, languages: str | None, capacity: int = 1) -> None:
    accounts.add(name, "a long password 1", "agent", now=T0)
    if languages is not None:
        accounts.set_languages(name, languages)
    queue.set_presence(name, Presence.ONLINE, capacity=capacity, now=T0)


def test_languages_are_kept_per_agent(accounts):
    accounts.add("ann", "a long password 1", "agent", now=T0)
    accounts.add("gio", "a long password 1", "agent", now=T0)

    assert accounts.set_languages("gio", "IT, en") == ("it", "en")
    assert accounts.languages() == {"ann": ("en",), "gio": ("it", "en")}
    with pytest.raises(SupportBotError, match="not a language code"):
        accounts.set_languages("ann", "klingon")
    with pytest.raises(SupportBotError, match="no user called"):
        accounts.set_languages("nobody", "en")


def test_a_customer_goes_to_a_colleague_who_speaks_their_language(queue, accounts):
    online(queue, accounts, "ann", None)
    online(queue, accounts, "gio", "it,en")
    english = ask(queue, "c-en", 0, "en")
    italian = ask(queue, "c-it", 1, "it")

    first = queue.assign_next(now=at(2), hold=HOLD)
    second = queue.assign_next(now=at(2), hold=HOLD)

    # The head of the queue (English) goes to the least-loaded English speaker (ann: ties go
    # by name), and the Italian customer to the one who speaks Italian.
    assert (first.id, first.agent) == (english.id, "ann")
    assert (second.id, second.agent) == (italian.id, "gio")
    assert queue.get(italian.id).language == "it"


def test_a_customer_is_held_for_a_busy_speaker_while_others_are_served(queue, accounts):
    online(queue, accounts, "ann", None)
    online(queue, accounts, "gio", "it")
    ask(queue, "c-busy", 0, "it")
    assert queue.assign_next(now=at(0), hold=HOLD).agent == "gio"  # gio is now full
    italian = ask(queue, "c-it", 1, "it")
    english = ask(queue, "c-en", 2, "en")

    served = queue.assign_next(now=at(2), hold=HOLD)

    assert (served.id, served.agent) == (english.id, "ann")  # the one behind goes first
    assert queue.position(italian.id) == 1
    queue.set_presence("ann", Presence.ONLINE, capacity=2, now=at(2))
    assert queue.assign_next(now=at(2.5), hold=HOLD) is None  # still held for gio
    late = queue.assign_next(now=at(3.5), hold=HOLD)
    assert (late.id, late.agent) == (italian.id, "ann")  # held long enough: anyone


def test_without_a_colleague_who_speaks_it_anyone_takes_the_customer(queue, accounts):
    online(queue, accounts, "ann", None)
    lithuanian = ask(queue, "c-lt", 0, "lt")

    served = queue.assign_next(now=at(0), hold=HOLD)

    assert (served.id, served.agent) == (lithuanian.id, "ann")


def test_waits_are_estimated_per_language(queue, accounts):
    # Five English customers wait ahead of an Italian one; ann speaks English, gio Italian,
    # each takes one conversation at a time, and a conversation takes 6 minutes (the default).
    online(queue, accounts, "ann", None)
    online(queue, accounts, "gio", "it")
    for number in range(5):
        ask(queue, f"c-en{number}", number, "en")
    italian = ask(queue, "c-it", 5, "it")
    english = ask(queue, "c-en5", 6, "en")

    # Agents claiming by hand: the Italian customer waits for gio, behind his share (half) of
    # the five ahead: 3 conversations of 6 minutes. The sixth English one waits for ann.
    assert queue.estimated_wait(italian.id) == timedelta(minutes=18)
    assert queue.estimated_wait(english.id) == timedelta(minutes=36)
    # With automatic assignment anyone takes them after the hold: never longer than the queue
    # served by both (4 ahead of the Italian one, 5 of the English one, two places).
    assert queue.estimated_wait(italian.id, hold=HOLD) == timedelta(minutes=12)
    assert queue.estimated_wait(english.id, hold=HOLD) == timedelta(minutes=15)
    # Nobody online speaks it: the whole queue and every place.
    lithuanian = ask(queue, "c-lt", 7, "lt")
    assert queue.estimated_wait(lithuanian.id) == timedelta(minutes=3 * 6)
