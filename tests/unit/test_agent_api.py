"""The agent API and the support desk behind it, through aiohttp's test server.

The Rasa server is replaced by a recording fake of its "append events" endpoint (what the desk
writes into conversations is checked); the queue, accounts and tracker store are real SQLite.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta
from typing import Any

import pytest
import yaml
from aiohttp import WSMsgType

from bot.accounts import (
    FAILURES_PER_ADDRESS,
    FAILURES_PER_NAME,
    FAILURES_PER_USER,
    LONGEST_WAIT,
    LONGEST_WAIT_PER_USER,
    Role,
    check_password,
    hash_password,
)
from bot.desk.feed import DeskFeed
from bot.errors import AuthenticationError, SignInLimitError, SupportBotError
from bot.handoff.model import Presence
from bot.storage.accounts import SqlAccounts
from bot.web import agent_api
from tests.conftest import OPEN_TIME
from tests.desk_parts import PASSWORD, desk_parts, queue_of, session, waiting_customer
from tests.fakes import FakeRasaApi, FixedClock


@pytest.fixture
def parts(settings, tmp_path):
    return desk_parts(settings, tmp_path)


def test_without_a_valid_session_everything_is_401(settings, parts):
    async def script(client, login):
        results = []
        for method, path in [
            ("GET", "/api/handoffs"),
            ("GET", "/api/handoffs/abc"),
            ("POST", "/api/handoffs/abc/claim"),
            ("POST", "/api/handoffs/abc/messages"),
            ("POST", "/api/handoffs/abc/close"),
            ("POST", "/api/handoffs/abc/release"),
            ("POST", "/api/handoffs/abc/transfer"),
        ]:
            reply = await client.request(method, path, headers={"Authorization": "Bearer nope"})
            results.append(reply.status)
        wrong = await client.post("/api/login", json={"username": "anna", "password": "wrong!"})
        return results, wrong.status

    statuses, wrong = session(settings, parts, script)
    assert statuses == [401] * 7
    assert wrong == 401


def test_the_listing_carries_the_contract_fields_in_queue_order(settings, parts):
    first = waiting_customer(parts, "c1")
    urgent = waiting_customer(parts, "c2", priority="high")

    async def script(client, login):
        headers = await login("anna")
        reply = await client.get("/api/handoffs?status=queued", headers=headers)
        bad = await client.get("/api/handoffs?status=lost", headers=headers)
        return await reply.json(), bad.status

    listing, bad = session(settings, parts, script)
    assert [(h["id"], h["position"]) for h in listing] == [(urgent, 1), (first, 2)]
    required = {
        "id",
        "conversation_id",
        "status",
        "reason",
        "priority",
        "waiting_since",
        "position",
    }
    assert required <= set(listing[0])
    assert listing[0]["status"] == "queued" and listing[0]["priority"] == "high"
    assert bad == 400


def test_claim_talk_close_writes_each_change_into_the_conversation(settings, parts):
    handoff = waiting_customer(parts, "c1")

    async def script(client, login):
        anna = await login("anna")
        claimed = await client.post(f"/api/handoffs/{handoff}/claim", headers=anna)
        sent = await client.post(
            f"/api/handoffs/{handoff}/messages", json={"text": "Hello <b>there</b>"}, headers=anna
        )
        no_note = await client.post(
            f"/api/handoffs/{handoff}/close", json={"note": " "}, headers=anna
        )
        closed = await client.post(
            f"/api/handoffs/{handoff}/close", json={"note": "refund issued"}, headers=anna
        )
        return claimed.status, sent.status, no_note.status, await closed.json()

    claimed, sent, no_note, closed = session(settings, parts, script)
    assert (claimed, sent, no_note) == (200, 201, 400)
    assert (closed["status"], closed["note"], closed["agent"]) == (
        "closed",
        "refund issued",
        "anna",
    )
    rasa: FakeRasaApi = parts.desk.delivery.rasa  # type: ignore[assignment]
    assert rasa.texts("c1") == [
        "anna from our team has joined the chat.",
        "Hello <b>there</b>",  # stored as written; channels and pages show it as text
        "anna has closed the chat. You're chatting with the bot again: ask me anything, or say "
        '"talk to a person" if you need the team again.',
    ]
    slots = [e["value"] for _, events in rasa.appended for e in events if e["event"] == "slot"]
    assert [(s["status"], s["change"]["action"], s["change"]["actor"]) for s in slots] == [
        ("assigned", "claim", "agent:anna"),
        ("closed", "close", "agent:anna"),
    ]
    agent_message = [
        e for _, events in rasa.appended for e in events if e.get("text") == "Hello <b>there</b>"
    ]
    assert agent_message[0]["metadata"]["agent"] == "anna"


def test_the_desk_tells_the_customer_in_their_language(settings, parts):
    italian = waiting_customer(parts, "c1", language="it")
    lithuanian = waiting_customer(parts, "c2", language="lt")

    async def script(client, login):
        anna = await login("anna")
        for handoff in (italian, lithuanian):
            await client.post(f"/api/handoffs/{handoff}/claim", headers=anna)
        await client.post(f"/api/handoffs/{italian}/close", json={"note": "ok"}, headers=anna)
        await client.post(f"/api/handoffs/{lithuanian}/release", headers=anna)

    session(settings, parts, script)
    rasa: FakeRasaApi = parts.desk.delivery.rasa  # type: ignore[assignment]
    joined, closed = rasa.texts("c1")
    assert joined == "anna del nostro team si è unito alla chat."
    assert closed.startswith("anna ha chiuso la chat. Stai di nuovo parlando con il bot")
    joined, handed_back, *_ = rasa.texts("c2")
    assert joined == "anna iš mūsų komandos prisijungė prie pokalbio."
    assert handed_back.startswith("anna vėl perdavė jus man.")


def test_two_agents_claiming_at_once_exactly_one_wins(settings, parts):
    handoff = waiting_customer(parts, "c1")

    async def script(client, login):
        anna, ben = await login("anna"), await login("ben")
        replies = await asyncio.gather(
            client.post(f"/api/handoffs/{handoff}/claim", headers=anna),
            client.post(f"/api/handoffs/{handoff}/claim", headers=ben),
        )
        return sorted(r.status for r in replies)

    assert session(settings, parts, script) == [200, 409]


def test_only_the_assigned_agent_or_a_lead_acts_on_a_conversation(settings, parts):
    handoff = waiting_customer(parts, "c1")

    async def script(client, login):
        anna, ben, lea = await login("anna"), await login("ben"), await login("lea")
        await client.post(f"/api/handoffs/{handoff}/claim", headers=anna)
        by_ben = await client.post(
            f"/api/handoffs/{handoff}/messages", json={"text": "hi"}, headers=ben
        )
        to_nobody = await client.post(
            f"/api/handoffs/{handoff}/transfer", json={"agent": "zed"}, headers=anna
        )
        moved = await client.post(
            f"/api/handoffs/{handoff}/transfer", json={"agent": "ben"}, headers=anna
        )
        by_lead = await client.post(f"/api/handoffs/{handoff}/release", headers=lea)
        return by_ben.status, to_nobody.status, await moved.json(), await by_lead.json()

    by_ben, to_nobody, moved, released = session(settings, parts, script)
    assert by_ben == 403
    assert to_nobody == 404
    assert moved["agent"] == "ben"
    assert released["status"] == "released"


def test_a_cookie_session_needs_the_csrf_token_for_changes(settings, parts):
    handoff = waiting_customer(parts, "c1")

    async def script(client, login):
        reply = await client.post("/api/login", json={"username": "anna", "password": PASSWORD})
        csrf = (await reply.json())["csrf_token"]
        # The test client keeps the HttpOnly cookie, as a browser does.
        read = await client.get("/api/handoffs")
        forged = await client.post(f"/api/handoffs/{handoff}/claim")
        real = await client.post(f"/api/handoffs/{handoff}/claim", headers={"X-CSRF-Token": csrf})
        return read.status, forged.status, real.status

    assert session(settings, parts, script) == (200, 403, 200)


def test_canned_replies_carry_the_business_facts(settings, parts):
    async def script(client, login):
        reply = await client.get("/api/canned", headers=await login("anna"))
        return await reply.json()

    replies = {r["title"]: r["text"] for r in session(settings, parts, script)}
    assert "30 days" in replies["Returns"]
    assert "{{" not in " ".join(replies.values())


def test_an_absent_agents_conversations_go_back_to_the_queue_in_place(settings, parts):
    queue = queue_of(parts)
    first = waiting_customer(parts, "c1")
    waiting_customer(parts, "c2")
    queue.set_presence("anna", Presence.ONLINE, capacity=2, now=OPEN_TIME)
    queue.claim(first, "anna", now=OPEN_TIME)
    clock: FixedClock = parts.clock  # type: ignore[assignment]
    feed = DeskFeed(parts.desk, agent_grace=60)

    async def script():
        await feed.start()

        async def send(text: str) -> None:
            return None

        key = feed.subscribe("anna", send)
        clock.now = OPEN_TIME + timedelta(minutes=5)
        await feed.tick()  # an open console keeps its agent present, however long
        feed.unsubscribe(key)  # the console closed
        clock.now += timedelta(seconds=30)
        await feed.tick()
        still = queue.get(first).status.value
        clock.now += timedelta(seconds=31)
        await feed.tick()
        return still

    assert asyncio.run(script()) == "assigned"  # a reconnect within the grace keeps it
    assert queue.get(first).status.value == "queued"
    assert queue.position(first) == 1  # ahead of c2, as before
    assert queue.presence()["anna"][0] is Presence.OFFLINE
    rasa: FakeRasaApi = parts.desk.delivery.rasa  # type: ignore[assignment]
    assert "You keep your place: you're next in the queue." in rasa.texts("c1")[-1]


def test_an_agent_using_only_the_api_stays_present_while_calling_it(settings, parts):
    queue = queue_of(parts)
    handoff = waiting_customer(parts, "c1")
    clock: FixedClock = parts.clock  # type: ignore[assignment]

    async def script(client, login):
        headers = await login("anna")  # signing in puts the agent online
        assert (await client.post(f"/api/handoffs/{handoff}/claim", headers=headers)).ok
        for _ in range(5):  # a client polling the queue every 50 s
            clock.now += timedelta(seconds=50)
            await parts.feed.tick()
            assert (await client.get("/api/handoffs", headers=headers)).ok
        present = queue.presence()["anna"][0]
        clock.now += timedelta(seconds=61)  # then silence
        await parts.feed.tick()
        return present

    assert session(settings, parts, script) is Presence.ONLINE
    assert queue.presence()["anna"][0] is Presence.OFFLINE
    assert queue.get(handoff).status.value == "queued"


def test_waiting_customers_hear_when_they_move_up(settings, parts):
    queue = queue_of(parts)
    first = waiting_customer(parts, "c1")
    waiting_customer(parts, "c2")
    queue.set_presence("anna", Presence.ONLINE, capacity=1, now=OPEN_TIME)
    feed = DeskFeed(parts.desk)

    async def script():
        await feed.start()
        await feed.tick()  # first sight: they were told their place when queued
        queue.claim(first, "anna", now=OPEN_TIME)
        await feed.tick()

    asyncio.run(script())
    rasa: FakeRasaApi = parts.desk.delivery.rasa  # type: ignore[assignment]
    assert rasa.texts("c1") == []
    assert rasa.texts("c2") == [
        "Still waiting for the team: you're next in the queue. The wait is about 6 minutes."
    ]


def test_passwords_are_salted_hashes_and_sessions_expire(database_url):
    accounts = SqlAccounts(database_url)
    stored = hash_password(PASSWORD)
    assert PASSWORD not in stored and stored != hash_password(PASSWORD)
    assert check_password(PASSWORD, stored) and not check_password("other password", stored)

    accounts.add("anna", PASSWORD, Role.AGENT, now=OPEN_TIME)
    signed_in = accounts.sign_in("anna", PASSWORD, now=OPEN_TIME)
    assert accounts.session(signed_in.token, now=OPEN_TIME + timedelta(hours=1)) is not None
    assert accounts.session(signed_in.token, now=OPEN_TIME + timedelta(hours=13)) is None
    with pytest.raises(AuthenticationError):
        accounts.sign_in("nobody", PASSWORD, now=OPEN_TIME)
    with pytest.raises(SupportBotError, match="at least 10"):
        accounts.add("ben", "short", Role.AGENT, now=OPEN_TIME)
    with pytest.raises(SupportBotError, match="already"):
        accounts.add("anna", PASSWORD, Role.LEAD, now=OPEN_TIME)


def test_the_first_admin_gets_a_random_password_once(database_url):
    accounts = SqlAccounts(database_url)
    password = accounts.ensure_admin(now=OPEN_TIME)

    assert password and len(password) >= 12
    first = accounts.sign_in("admin", password, now=OPEN_TIME)
    assert first.agent.role is Role.ADMIN and first.must_change_password
    assert accounts.ensure_admin(now=OPEN_TIME) is None
    assert SqlAccounts(database_url).ensure_admin(now=OPEN_TIME) is None  # after a restart


def test_wrong_passwords_slow_down_that_address_and_never_lock_the_name_out(database_url):
    accounts = SqlAccounts(database_url)
    accounts.add("ola", PASSWORD, "agent", now=OPEN_TIME)
    for _ in range(FAILURES_PER_NAME):
        with pytest.raises(AuthenticationError, match="wrong user name or password"):
            accounts.sign_in("ola", "a wrong password", now=OPEN_TIME, address="10.0.0.1")
    # The guesser waits; the real Ola, elsewhere, signs in at once.
    with pytest.raises(SignInLimitError, match="try again in 2 seconds"):
        accounts.sign_in("ola", PASSWORD, now=OPEN_TIME, address="10.0.0.1")
    assert accounts.sign_in("ola", PASSWORD, now=OPEN_TIME, address="10.0.0.2").agent.name == "ola"
    # Each further failure from the guesser's address doubles its wait, up to 15 minutes.
    at, waits = OPEN_TIME, ["2 seconds"]
    for _ in range(11):
        number, unit = waits[-1].split()
        at += timedelta(seconds=int(number) * (60 if unit == "minutes" else 1))
        with pytest.raises(AuthenticationError, match="wrong user name or password"):
            accounts.sign_in("ola", "a wrong password", now=at, address="10.0.0.1")
        with pytest.raises(SignInLimitError, match="try again in") as refused:
            accounts.sign_in("ola", PASSWORD, now=at, address="10.0.0.1")
        waits.append(str(refused.value.message).split("try again in ")[1])
    assert waits[:5] == ["2 seconds", "4 seconds", "8 seconds", "16 seconds", "32 seconds"]
    assert waits[-2:] == ["15 minutes", "15 minutes"]
    # The wait over, the right password works again from there.
    later = at + LONGEST_WAIT
    assert accounts.sign_in("ola", PASSWORD, now=later, address="10.0.0.1").agent.name == "ola"


def test_one_address_guessing_many_names_is_stopped(settings, parts):
    async def script(client, login):
        statuses = []
        for number in range(FAILURES_PER_ADDRESS + 1):
            reply = await client.post(
                "/api/login", json={"username": f"guess{number}", "password": "a guess!!!"}
            )
            statuses.append(reply.status)
        last = await client.post("/api/login", json={"username": "anna", "password": PASSWORD})
        return statuses, last.status, (await last.json())["error"]

    statuses, last, error = session(settings, parts, script)
    assert statuses == [401] * FAILURES_PER_ADDRESS + [429]
    assert last == 429 and "too many failed sign-ins" in error


def test_behind_the_load_balancer_each_client_address_has_its_own_limit(settings, parts):
    """All requests come from the balancer's address; it names the client in
    X-Forwarded-For, which counts only from the balancer itself."""

    def guesses_then_anna(attacker: str, agent: str):
        async def script(client, login):
            for number in range(FAILURES_PER_ADDRESS + 1):
                await client.post(
                    "/api/login",
                    json={"username": f"guess{number}", "password": "a guess!!!"},
                    headers={"X-Forwarded-For": attacker},
                )
            reply = await client.post(
                "/api/login",
                json={"username": "anna", "password": PASSWORD},
                headers={"X-Forwarded-For": agent},
            )
            return reply.status

        return script

    behind = dataclasses.replace(settings, forwarded_by="127.0.0.1")
    assert session(behind, parts, guesses_then_anna("203.0.113.7", "198.51.100.2")) == 200
    # The balancer named by its network (its containers' addresses), as in deploy/.
    network = dataclasses.replace(settings, forwarded_by="127.0.0.0/8")
    assert session(network, parts, guesses_then_anna("203.0.113.9", "198.51.100.4")) == 200
    elsewhere = dataclasses.replace(settings, forwarded_by="10.0.0.0/8")
    assert session(elsewhere, parts, guesses_then_anna("203.0.113.10", "198.51.100.5")) == 429
    # Without the balancer the header is the client's own word: not believed.
    assert session(settings, parts, guesses_then_anna("203.0.113.8", "198.51.100.3")) == 429


def test_signing_in_takes_json_only(settings, parts):
    async def script(client, login):
        form = await client.post("/api/login", data={"username": "anna", "password": PASSWORD})
        return form.status

    assert session(settings, parts, script) == 415


def test_a_customer_who_closed_the_chat_page_is_marked_abandoned_and_agents_see_it(settings, parts):
    queue = queue_of(parts)
    handoff = waiting_customer(parts, "c1")
    queue.set_presence("anna", Presence.ONLINE, capacity=2, now=OPEN_TIME)
    queue.claim(handoff, "anna", now=OPEN_TIME)
    clock: FixedClock = parts.clock  # type: ignore[assignment]
    customers = parts.desk.customers
    feed = DeskFeed(parts.desk)
    shown: list[dict[str, Any]] = []

    async def script():
        await feed.start()

        async def send(text: str) -> None:
            shown.append(json.loads(text))

        feed.subscribe("anna", send)
        customers.typed("c1", now=clock.now)
        await feed.tick()
        clock.now += timedelta(seconds=10)  # stopped typing
        await feed.tick()
        customers.left("c1", now=clock.now)  # closed the page
        clock.now += timedelta(seconds=60)
        await feed.tick()
        still = queue.get(handoff).status.value
        clock.now += timedelta(seconds=61)  # abandon_after_seconds: 120
        await feed.tick()
        await feed.tick()  # the change reaches the consoles
        return still

    assert asyncio.run(script()) == "assigned"
    assert queue.get(handoff).status.value == "abandoned"
    assert queue.history(handoff)[-1].actor == "customer"
    about_customer = [(m["typing"], m["page_closed"]) for m in shown if m["type"] == "customer"]
    assert about_customer == [(True, False), (False, False), (False, True)]
    changes = [m["change"]["action"] for m in shown if m["type"] == "change"]
    assert changes[-1] == "abandon"
    rasa: FakeRasaApi = parts.desk.delivery.rasa  # type: ignore[assignment]
    assert "the chat page was closed" in rasa.texts("c1")[-1]


def welcome_after(parts, steps) -> list[dict[str, Any]]:
    """What a console connecting after ``await steps(feed, clock)`` is told."""
    feed = DeskFeed(parts.desk)
    clock: FixedClock = parts.clock  # type: ignore[assignment]
    shown: list[dict[str, Any]] = []

    async def send(text: str) -> None:
        shown.append(json.loads(text))

    async def script() -> None:
        await feed.start()
        await steps(feed, clock)
        await feed.welcome(send)

    asyncio.run(script())
    return shown


def test_a_console_that_connects_later_hears_the_page_closed_with_the_time_left(settings, parts):
    """A console opened (or reconnected) after the customer closed the page was pushed
    nothing; the feed tells it on connecting, with the countdown as of now."""
    handoff = waiting_customer(parts, "c1")

    async def steps(feed: DeskFeed, clock: FixedClock) -> None:
        parts.desk.customers.left("c1", now=clock.now)
        await feed.tick()  # nobody is connected yet
        clock.now += timedelta(seconds=30)

    assert welcome_after(parts, steps) == [
        {
            "type": "customer",
            "handoff_id": handoff,
            "typing": False,
            "page_closed": True,
            "ends_in_seconds": 90,  # abandon_after_seconds: 120
        }
    ]


def test_the_time_left_follows_the_last_page_that_closed(settings, parts):
    waiting_customer(parts, "c1")

    async def steps(feed: DeskFeed, clock: FixedClock) -> None:
        parts.desk.customers.left("c1", now=clock.now)
        await feed.tick()
        clock.now += timedelta(seconds=50)
        parts.desk.customers.left("c1", now=clock.now)  # another tab, closed later
        await feed.tick()
        clock.now += timedelta(seconds=10)

    assert [m["ends_in_seconds"] for m in welcome_after(parts, steps)] == [110]


def test_a_customer_with_an_open_page_is_not_news_to_a_new_console(settings, parts):
    waiting_customer(parts, "c1")

    async def steps(feed: DeskFeed, clock: FixedClock) -> None:
        await feed.tick()

    assert welcome_after(parts, steps) == []


def test_a_customer_back_within_the_grace_keeps_their_agent(settings, parts):
    queue = queue_of(parts)
    handoff = waiting_customer(parts, "c1")
    clock: FixedClock = parts.clock  # type: ignore[assignment]
    parts.desk.customers.left("c1", now=clock.now)
    clock.now += timedelta(seconds=100)
    parts.desk.customers.back("c1")  # reloaded the page
    clock.now += timedelta(seconds=100)
    asyncio.run(DeskFeed(parts.desk).tick())
    assert queue.get(handoff).status.value == "queued"


def test_auto_assign_gives_the_queue_to_the_least_loaded_agents(settings, parts, tmp_path):
    facts = yaml.safe_load(settings.business_facts_file.read_text())
    facts["live_chat"]["auto_assign"] = True
    settings.business_facts_file.write_text(yaml.safe_dump(facts))
    queue = queue_of(parts)
    ids = [waiting_customer(parts, f"c{n}") for n in range(4)]
    urgent = waiting_customer(parts, "angry", priority="high")
    queue.set_presence("anna", Presence.ONLINE, capacity=1, now=OPEN_TIME)
    queue.set_presence("ben", Presence.ONLINE, capacity=2, now=OPEN_TIME)

    asyncio.run(DeskFeed(parts.desk).tick())

    assert queue.get(urgent).agent == "anna"  # the most urgent first, to the least loaded
    assert [queue.get(i).agent for i in ids] == ["ben", "ben", None, None]
    assert queue.position(ids[2]) == 1
    rasa: FakeRasaApi = parts.desk.delivery.rasa  # type: ignore[assignment]
    assert rasa.texts("angry") == ["anna from our team has joined the chat."]
    assert rasa.texts("c3") == []  # still waiting; told their place when they queued


def test_a_removed_user_is_signed_out_everywhere_and_the_last_admin_stays(settings, parts):
    accounts = parts.accounts
    accounts.add("ada", PASSWORD, "admin", now=OPEN_TIME)
    with pytest.raises(SupportBotError, match="only admin who can sign in"):
        accounts.remove("ada")
    with pytest.raises(SupportBotError, match="no user called"):
        accounts.remove("nobody")

    async def script(client, login):
        headers = await login("ben")
        assert (await client.get("/api/me", headers=headers)).status == 200
        live = await client.ws_connect("/api/live", headers=headers)
        assert (await live.receive_json())["type"] == "hello"
        assert accounts.remove("ben").name == "ben"
        refused = (await client.get("/api/me", headers=headers)).status
        while (frame := await live.receive(timeout=10)).type is WSMsgType.TEXT:
            pass  # what the feed said before it noticed
        relogin = await client.post("/api/login", json={"username": "ben", "password": PASSWORD})
        return refused, frame.type, frame.data, relogin.status

    agent_api.SESSION_RECHECK_SECONDS, before = 0.05, agent_api.SESSION_RECHECK_SECONDS
    try:
        refused, frame, code, relogin = session(settings, parts, script)
    finally:
        agent_api.SESSION_RECHECK_SECONDS = before
    assert refused == 401
    assert frame is WSMsgType.CLOSE and code == agent_api.SIGNED_OUT
    assert relogin == 401
    assert [a.name for a in accounts.all()] == ["ada", "anna", "lea"]


def test_a_disabled_user_cannot_sign_in_until_enabled_and_the_last_admin_stays_enabled(
    database_url,
):
    accounts = SqlAccounts(database_url)
    accounts.add("ada", PASSWORD, "admin", now=OPEN_TIME)
    accounts.add("ola", PASSWORD, "agent", now=OPEN_TIME)
    session = accounts.sign_in("ola", PASSWORD, now=OPEN_TIME)
    assert accounts.set_disabled("ola", True, now=OPEN_TIME).disabled
    assert accounts.session(session.token, now=OPEN_TIME) is None  # signed out at once
    with pytest.raises(AuthenticationError, match="disabled"):
        accounts.sign_in("ola", PASSWORD, now=OPEN_TIME)
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        accounts.sign_in("ola", "a wrong password", now=OPEN_TIME)  # nothing told without it
    assert [(a.name, a.disabled) for a in accounts.all()] == [("ada", False), ("ola", True)]
    with pytest.raises(SupportBotError, match="only admin who can sign in"):
        accounts.set_disabled("ada", True, now=OPEN_TIME)
    accounts.set_disabled("ola", False, now=OPEN_TIME)
    assert accounts.sign_in("ola", PASSWORD, now=OPEN_TIME).agent.name == "ola"


def test_the_first_admin_must_choose_their_own_password_before_anything_else(settings, parts):
    printed = "printed-once-42"  # as ensure_admin makes the first admin (tested above)
    parts.accounts.add("admin", printed, "admin", now=OPEN_TIME, must_change_password=True)

    async def script(client, login):
        signed_in = await client.post("/api/login", json={"username": "admin", "password": printed})
        body = await signed_in.json()
        headers = {"Authorization": f"Bearer {body['token']}"}
        other = await client.post("/api/login", json={"username": "admin", "password": printed})
        other_headers = {"Authorization": f"Bearer {(await other.json())['token']}"}
        before = [
            (await client.get(path, headers=headers)).status
            for path in ("/api/handoffs", "/api/agents", "/api/me")
        ]
        change = "/api/password"
        wrong = await client.post(
            change, headers=headers,
            json={"current_password": "not it at all", "new_password": "a fresh password"},
        )  # fmt: skip
        same = await client.post(
            change, headers=headers,
            json={"current_password": printed, "new_password": printed},
        )  # fmt: skip
        changed = await client.post(
            change, headers=headers,
            json={"current_password": printed, "new_password": "a fresh password"},
        )  # fmt: skip
        after = (await client.get("/api/handoffs", headers=headers)).status
        other_after = (await client.get("/api/me", headers=other_headers)).status
        me = await (await client.get("/api/me", headers=headers)).json()
        return (
            body["must_change_password"], before, wrong.status, same.status,
            changed.status, after, other_after, me["must_change_password"],
        )  # fmt: skip

    must, before, wrong, same, changed, after, other_after, still = session(settings, parts, script)
    assert must is True
    assert before == [403, 403, 200]  # only who am I, sign out and the change itself
    assert (wrong, same, changed) == (403, 400, 200)
    assert after == 200 and still is False
    assert other_after == 401  # the other session with the printed password ended
    assert parts.accounts.sign_in("admin", "a fresh password", now=OPEN_TIME).agent.name == "admin"
    with pytest.raises(AuthenticationError):
        parts.accounts.sign_in("admin", printed, now=OPEN_TIME, address="10.9.9.9")


def test_guesses_at_one_name_from_many_addresses_slow_it_down_gently(database_url):
    accounts = SqlAccounts(database_url)
    accounts.add("ola", PASSWORD, "agent", now=OPEN_TIME)
    at = OPEN_TIME
    for number in range(FAILURES_PER_USER):
        with pytest.raises(AuthenticationError, match="wrong user name or password"):
            accounts.sign_in("ola", "a wrong password", now=at, address=f"198.51.100.{number}")
    with pytest.raises(SignInLimitError, match="try again in 2 seconds"):
        accounts.sign_in("ola", PASSWORD, now=at, address="203.0.113.1")
    for _ in range(8):  # never longer than a minute, whoever guesses
        at += LONGEST_WAIT_PER_USER
        with pytest.raises(AuthenticationError):
            accounts.sign_in("ola", "a wrong password", now=at, address="198.51.100.200")
    with pytest.raises(SignInLimitError, match="try again in 60 seconds"):
        accounts.sign_in("ola", PASSWORD, now=at, address="203.0.113.1")
    later = at + LONGEST_WAIT_PER_USER
    assert accounts.sign_in("ola", PASSWORD, now=later, address="203.0.113.1").agent.name == "ola"


def test_an_ipv6_client_counts_as_its_whole_64_network(database_url):
    accounts = SqlAccounts(database_url)
    accounts.add("ola", PASSWORD, "agent", now=OPEN_TIME)
    for host in range(1, FAILURES_PER_NAME + 1):
        with pytest.raises(AuthenticationError):
            accounts.sign_in("ola", "a wrong password", now=OPEN_TIME, address=f"2001:db8::{host}")
    with pytest.raises(SignInLimitError):
        accounts.sign_in("ola", PASSWORD, now=OPEN_TIME, address="2001:db8::beef")
    other = "2001:db8:0:1::1"  # another /64: its own count
    assert accounts.sign_in("ola", PASSWORD, now=OPEN_TIME, address=other).agent.name == "ola"


def test_guessing_the_current_password_to_change_it_is_throttled_too(settings, parts):
    async def script(client, login):
        headers = await login("anna")
        guesses = []
        for _ in range(FAILURES_PER_NAME + 1):
            reply = await client.post(
                "/api/password",
                headers=headers,
                json={"current_password": "a guess, not it", "new_password": "mine from now on"},
            )
            guesses.append(reply.status)
        return guesses

    assert session(settings, parts, script) == [403] * FAILURES_PER_NAME + [429]


def test_the_customer_hears_who_is_typing_and_who_has_the_chat(settings, parts):
    handoff = waiting_customer(parts, "c1")

    async def script(client, login):
        anna, ben = await login("anna"), await login("ben")
        before = await client.post(f"/api/handoffs/{handoff}/typing", headers=anna)
        await client.post(f"/api/handoffs/{handoff}/claim", headers=anna)
        typing = await client.post(f"/api/handoffs/{handoff}/typing", headers=anna)
        not_hers = await client.post(f"/api/handoffs/{handoff}/typing", headers=ben)
        await client.post(f"/api/handoffs/{handoff}/messages", json={"text": "Hi"}, headers=anna)
        await client.post(f"/api/handoffs/{handoff}/close", json={"note": "ok"}, headers=anna)
        return before.status, typing.status, await typing.json(), not_hers.status

    before, status, told, not_hers = session(settings, parts, script)
    rasa: FakeRasaApi = parts.desk.delivery.rasa  # type: ignore[assignment]
    assert (before, status, told, not_hers) == (400, 202, {"told": True}, 403)
    assert rasa.typing == [("c1", "anna")]
    said = [
        (e["text"][:20], e["metadata"]["live_agent"])
        for _, events in rasa.appended
        for e in events
        if e["event"] == "bot" and "live_agent" in e["metadata"]
    ]
    assert said == [
        ("anna from our team h", "anna"),  # from now on the widget shows anna's typing
        ("Hi", "anna"),
        ("anna has closed the ", ""),  # back with the bot: its typing dots again
    ]


def test_agents_say_which_languages_they_chat_in_and_the_queue_shows_each_customers(
    settings, parts
):
    italian = waiting_customer(parts, "c-it", language="it")

    async def script(client, login):
        headers = await login("anna")
        before = await (await client.get("/api/me", headers=headers)).json()
        saved = await client.post("/api/languages", headers=headers, json={"languages": "EN, it"})
        wrong = await client.post("/api/languages", headers=headers, json={"languages": ["xx1"]})
        missing = await client.post("/api/languages", headers=headers, json={})
        me = await (await client.get("/api/me", headers=headers)).json()
        team = await (await client.get("/api/agents", headers=headers)).json()
        waiting = await (await client.get("/api/handoffs", headers=headers)).json()
        return (
            before["languages"], saved.status, await saved.json(), wrong.status,
            (await wrong.json())["error"], missing.status, me["languages"],
            {agent["name"]: agent["languages"] for agent in team}, waiting,
        )  # fmt: skip

    before, status, saved, wrong, error, missing, mine, team, waiting = session(
        settings, parts, script
    )

    assert before == ["en"]  # not said yet: English, the bot's own
    assert (status, saved) == (200, {"languages": ["en", "it"]})
    assert (wrong, missing) == (400, 400)
    assert "not a language code" in error
    assert mine == ["en", "it"]
    assert team["anna"] == ["en", "it"] and team["ben"] == ["en"]
    assert [(h["id"], h["language"]) for h in waiting] == [(italian, "it")]


def test_auto_assign_gives_a_customer_to_a_colleague_who_speaks_their_language(settings, parts):
    facts = yaml.safe_load(settings.business_facts_file.read_text())
    facts["live_chat"]["auto_assign"] = True
    settings.business_facts_file.write_text(yaml.safe_dump(facts))
    queue = queue_of(parts)
    parts.accounts.set_languages("ben", "lt,en")
    lithuanian = waiting_customer(parts, "c-lt", language="lt")
    queue.set_presence("anna", Presence.ONLINE, capacity=1, now=OPEN_TIME)
    queue.set_presence("ben", Presence.ONLINE, capacity=1, now=OPEN_TIME)

    asyncio.run(DeskFeed(parts.desk).tick())

    assert queue.get(lithuanian).agent == "ben"  # anna was as free, but speaks no Lithuanian
