"""Live handoff: how fast agents see customers and customers see agents; queue operations at load.

1. Queue operations on the SQLite desk database with 200 waiting conversations and 20 online
   agents (capacity 3 each): request, the ordered queue, one position, a wait estimate, a
   claim, an automatic assignment, a close.
2. With the product running (team hours set to "always open" in a copy of the knowledge base):
   * handoff → console: from a Socket.IO customer (like the widget) sending "I want to talk to
     a person" until the console's WebSocket feed (/api/live) announces the new conversation;
   * agent → customer: from the agent's ``POST /api/handoffs/{id}/messages`` until the
     customer's Socket.IO client receives the message (``bot_uttered`` with the agent's name).
3. The console at load, the product running with 200 customers waiting (each asked for a
   person over REST after a question, so every queue item has a context to read: 199, and
   each round's new customer, whom an agent then takes) and 20 agents
   signed in, each with a console simulated as the real one behaves: its live feed open, and
   on every change it re-reads its lists (waiting, with agents, messages left, closed, agents):
   * the waiting list's answer time, first (each conversation's context read) and then;
   * a new customer → every console: from a new customer asking for a person until each of
     the 20 consoles has re-read a waiting list that shows them (all consoles' times, and the
     slowest console's of each round);
   * a customer's message → their agent's console: an agent has claimed a waiting customer,
     who writes; until the agent's feed brings the message.
"""

from __future__ import annotations

import asyncio
import json
import queue
import re
import shutil
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import PROJECT, percentile, running_product, write_result
from bench.socketio_rtt import Client
from bot.handoff.lifecycle import Action
from bot.handoff.model import Presence
from bot.storage import migrate
from bot.storage.accounts import SqlAccounts
from bot.storage.handoffs import SqlHandoffQueue

WAITING, AGENTS, ROUNDS = 200, 20, 20
PASSWORD = "bench password 1234"


def ms(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": round(percentile(samples, 50), 2),
        "p95_ms": round(percentile(samples, 95), 2),
    }


def timed(samples: list[float], call: Any, *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    result = call(*args, **kwargs)
    samples.append((time.perf_counter() - started) * 1000)
    return result


def queue_operations(url: str | None = None) -> dict[str, Any]:
    """The queue operations on the database at ``url`` (default: a new SQLite file), which
    must be empty."""
    root = Path(tempfile.mkdtemp(prefix="handoff-bench-"))
    try:
        url = url or f"sqlite:///{root / 'desk.db'}"
        migrate.upgrade(url)
        desk = SqlHandoffQueue(url)
        now = datetime(2026, 11, 24, 11, tzinfo=UTC)
        for number in range(AGENTS):
            desk.set_presence(f"agent-{number}", Presence.ONLINE, capacity=3, now=now)
        operations = ("request", "queue", "position", "estimated_wait", "claim", "assign_next")
        times: dict[str, list[float]] = {k: [] for k in (*operations, "close")}
        ids = []
        for number in range(WAITING):
            priority = "high" if number % 10 == 0 else "normal"
            handoff = timed(times["request"], desk.request, f"c{number}", channel="socketio",
                            reason="asked for a person", priority=priority, actor="customer",
                            now=now + timedelta(seconds=number))  # fmt: skip
            ids.append(handoff.id)
        for index in range(ROUNDS):
            timed(times["queue"], desk.waiting)
            timed(times["position"], desk.position, ids[-1 - index])
            timed(times["estimated_wait"], desk.estimated_wait, ids[-1 - index])
        later = now + timedelta(minutes=10)
        for index in range(ROUNDS):
            head = desk.waiting()[0].id
            claimed = timed(times["claim"], desk.claim, head, f"agent-{index}", now=later)
            timed(times["close"], desk.end, claimed.id, Action.CLOSE, actor="bench",
                  reason="done", now=later + timedelta(minutes=5))  # fmt: skip
            timed(times["assign_next"], desk.assign_next, now=later)
        return {
            "waiting": WAITING,
            "agents_online": AGENTS,
            **{name: ms(samples) for name, samples in times.items()},
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


class ConsoleFeed:
    """The console's WebSocket feed in a thread; each message is queued with its arrival time."""

    def __init__(self, url: str) -> None:
        self.messages: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self._ready = threading.Event()
        threading.Thread(target=lambda: asyncio.run(self._run(url)), daemon=True).start()
        if not self._ready.wait(30):
            raise RuntimeError("the console feed did not connect")

    async def _run(self, url: str) -> None:
        import aiohttp

        async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
            self._ready.set()
            async for frame in socket:
                self.messages.put((time.perf_counter(), json.loads(frame.data)))

    def wait_for(self, match: Any, timeout: float = 30) -> float:
        return wait_for_feed(self.messages, match, timeout)


def api(web_url: str, method: str, path: str, token: str, body: dict | None = None) -> Any:
    request = urllib.request.Request(
        web_url + path, method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def always_open_kb() -> Path:
    kb = Path(tempfile.mkdtemp(prefix="handoff-bench-kb-")) / "knowledge_base"
    shutil.copytree(PROJECT / "knowledge_base", kb)
    facts = kb / "business.yml"
    text = re.sub(r"(?m)^(\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day): .*$",
                  r'\1: "00:00-24:00"', facts.read_text())  # fmt: skip
    facts.write_text(re.sub(r"(?m)^  holidays:\n(    - .*\n)+", "  holidays: []\n", text))
    return kb


def live_latency() -> dict[str, Any]:
    kb = always_open_kb()
    with running_product(SUPPORTBOT_KB_DIR=str(kb)) as product:
        SqlAccounts(f"sqlite:///{product.data_dir / 'desk.db'}").add(
            "bench", PASSWORD, "agent", now=datetime.now(UTC)
        )
        request = urllib.request.Request(
            product.web_url + "/api/login", method="POST",
            data=json.dumps({"username": "bench", "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as reply:
            token = json.loads(reply.read())["token"]
        feed = ConsoleFeed(product.web_url.replace("http", "ws") + f"/api/live?token={token}")
        to_console: list[float] = []
        to_customer: list[float] = []
        for _ in range(ROUNDS):
            customer = Client(product.rasa_url)
            agent_says = threading.Event()
            arrived: list[float] = []

            @customer.sio.on("bot_uttered")
            def on_reply(
                message: dict, arrived: list[float] = arrived, ev: threading.Event = agent_says
            ) -> None:  # type: ignore[type-arg]
                if message.get("agent") == "bench":
                    arrived.append(time.perf_counter())
                    ev.set()

            sent = time.perf_counter()
            customer.sio.emit("user_uttered", {"message": "I want to talk to a person",
                                               "session_id": customer.session})  # fmt: skip
            seen = feed.wait_for(
                lambda m, c=customer: m.get("type") == "change"
                and m["change"]["action"] == "request"
                and m["handoff"]["conversation_id"] == c.session
            )
            to_console.append((seen - sent) * 1000)
            handoff = api(product.web_url, "GET", "/api/handoffs?status=queued", token)[-1]
            api(product.web_url, "POST", f"/api/handoffs/{handoff['id']}/claim", token)
            started = time.perf_counter()
            api(product.web_url, "POST", f"/api/handoffs/{handoff['id']}/messages", token,
                {"text": "Hello, this is the team."})  # fmt: skip
            if not agent_says.wait(30):
                raise RuntimeError("the customer never got the agent's message")
            to_customer.append((arrived[0] - started) * 1000)
            api(product.web_url, "POST", f"/api/handoffs/{handoff['id']}/close", token,
                {"note": "benchmark"})  # fmt: skip
            customer.close()
    shutil.rmtree(kb.parent, ignore_errors=True)
    return {
        "handoff_to_console": ms(to_console),
        "agent_to_customer": ms(to_customer),
        "note": "console feed polls the database every 0.5 s; the customer uses HTTP "
        "long-polling like the widget",
    }


def rest_say(rasa_url: str, sender: str, text: str) -> None:
    request = urllib.request.Request(
        rasa_url + "/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        reply.read()


def sign_in(web_url: str, name: str) -> str:
    request = urllib.request.Request(
        web_url + "/api/login", method="POST",
        data=json.dumps({"username": name, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as reply:
        return str(json.loads(reply.read())["token"])


#: What the console re-reads on every change (console.js ``refreshLists``).
CONSOLE_LISTS = (
    "/api/handoffs?status=queued",
    "/api/handoffs?status=assigned",
    "/api/handoffs?status=message_left",
    "/api/handoffs?status=closed",
    "/api/agents",
)


class Consoles:
    """Agents' consoles in one event loop (a thread): each keeps its live feed open and, on
    every change, re-reads its lists as the console does. Records when each console's waiting
    list showed which conversations, and every feed message's arrival."""

    def __init__(self, web_url: str, tokens: dict[str, str]) -> None:
        self.web_url, self.tokens = web_url, tokens
        self.shown: dict[str, list[tuple[float, set[str]]]] = {n: [] for n in tokens}
        self.feeds: dict[str, queue.Queue[tuple[float, dict[str, Any]]]] = {
            n: queue.Queue() for n in tokens
        }
        self._connected = 0
        self._ready = threading.Event()
        threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True).start()
        if not self._ready.wait(60):
            raise RuntimeError("the consoles' feeds did not all connect")

    async def _run(self) -> None:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            await asyncio.gather(*(self._console(session, name) for name in self.tokens))

    async def _console(self, session: Any, name: str) -> None:
        headers = {"Authorization": f"Bearer {self.tokens[name]}"}
        live = self.web_url.replace("http", "ws") + f"/api/live?token={self.tokens[name]}"
        refreshing: asyncio.Task[None] | None = None

        async def refresh() -> None:
            for path in CONSOLE_LISTS:
                async with session.get(self.web_url + path, headers=headers) as reply:
                    items = await reply.json()
                if path.endswith("queued"):
                    ids = {item["conversation_id"] for item in items}
                    self.shown[name].append((time.perf_counter(), ids))

        async with session.ws_connect(live) as socket:
            self._connected += 1
            if self._connected == len(self.tokens):
                self._ready.set()
            async for frame in socket:
                message = json.loads(frame.data)
                self.feeds[name].put((time.perf_counter(), message))
                if message.get("type") == "change":
                    if refreshing is not None:
                        await refreshing  # one reading at a time, as a browser's would queue
                    refreshing = asyncio.create_task(refresh())

    def all_show(self, conversation: str, since: float, timeout: float = 60) -> list[float]:
        """When each console first showed ``conversation`` waiting (after ``since``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = [
                next((at for at, ids in readings if at > since and conversation in ids), None)
                for readings in self.shown.values()
            ]
            if all(at is not None for at in seen):
                return [at for at in seen if at is not None]
            time.sleep(0.01)
        raise TimeoutError(f"not every console showed {conversation}")


def console_at_load() -> dict[str, Any]:
    kb = always_open_kb()
    with running_product(SUPPORTBOT_KB_DIR=str(kb)) as product:
        accounts = SqlAccounts(f"sqlite:///{product.data_dir / 'desk.db'}")
        names = [f"agent-{n}" for n in range(AGENTS)]
        for name in names:
            accounts.add(name, PASSWORD, "agent", now=datetime.now(UTC))
        tokens = {name: sign_in(product.web_url, name) for name in names}
        for number in range(WAITING - 1):  # each round's new customer makes it 200
            sender = f"waiting-{number}"
            rest_say(product.rasa_url, sender, "my parcel is late, where is my order?")
            rest_say(product.rasa_url, sender, "I want to talk to a person")
        lists: dict[str, list[float]] = {"first": [], "then": []}
        timed(lists["first"], api, product.web_url, "GET", CONSOLE_LISTS[0], tokens[names[0]])
        for _ in range(ROUNDS):
            timed(lists["then"], api, product.web_url, "GET", CONSOLE_LISTS[0], tokens[names[0]])
        consoles = Consoles(product.web_url, tokens)
        every: list[float] = []
        slowest: list[float] = []
        for number in range(ROUNDS):
            sender = f"new-{number}"
            sent = time.perf_counter()
            rest_say(product.rasa_url, sender, "I want to talk to a person")
            shown = [(at - sent) * 1000 for at in consoles.all_show(sender, sent)]
            every += shown
            slowest.append(max(shown))
            # An agent takes them: 199 wait again before the next round.
            waiting = api(product.web_url, "GET", CONSOLE_LISTS[0], tokens[names[number]])
            mine = next(h for h in waiting if h["conversation_id"] == sender)
            api(product.web_url, "POST", f"/api/handoffs/{mine['id']}/claim", tokens[names[number]])
            time.sleep(2)  # the consoles' readings of that change are done
        agent = names[0]
        assigned = api(product.web_url, "GET", "/api/handoffs?status=assigned", tokens[agent])
        handoff = next(h for h in assigned if h["agent"] == agent)
        to_agent: list[float] = []
        for number in range(ROUNDS):
            text = f"here is my order number FH20{number:04d}"
            sent = time.perf_counter()
            rest_say(product.rasa_url, handoff["conversation_id"], text)
            arrived = wait_for_feed(
                consoles.feeds[agent],
                lambda m, t=text: m.get("type") == "event"
                and (m.get("entry") or {}).get("text") == t,
            )
            to_agent.append((arrived - sent) * 1000)
    shutil.rmtree(kb.parent, ignore_errors=True)
    return {
        "waiting": WAITING,
        "agents_online": AGENTS,
        "waiting_list_first": ms(lists["first"]),
        "waiting_list": ms(lists["then"]),
        "new_customer_to_every_console": ms(every),
        "new_customer_to_slowest_console": ms(slowest),
        "customer_message_to_agent_console": ms(to_agent),
        "note": "consoles simulated as console.js behaves (every change re-reads 5 lists); "
        "the customer's REST turn included; the feed polls the databases every 0.5 s",
    }


def wait_for_feed(
    feed: queue.Queue[tuple[float, dict[str, Any]]], match: Any, timeout: float = 30
) -> float:
    """When the first feed message ``match`` accepts arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arrived, message = feed.get(timeout=max(0.01, deadline - time.monotonic()))
        if match(message):
            return arrived
    raise TimeoutError("the console never showed it")


def main() -> None:
    write_result(
        "handoff",
        {
            "queue_operations": queue_operations(),
            "live": live_latency(),
            "console_at_load": console_at_load(),
        },
    )


if __name__ == "__main__":
    main()
