"""Rasa's distributed setup under load, everything through the load balancer on 127.0.0.1.

Each run starts the topology itself (``supportbot run --rasa N ...`` on fresh PostgreSQL
databases, Redis, HAProxy; the same as ``make run-cluster``), drives it with simulated
website customers (python-socketio clients over long-polling, keeping the balancer's cookie
as a browser does), and stops it. Two measurements:

``scale``: throughput and latency at 1, 2 and 3 Rasa servers, with the one-box product
(``supportbot run``, SQLite, no balancer) measured in the same run as the baseline. Each
customer asks its next shop question as soon as the previous one is answered (closed loop),
so the figure is what the machine can answer. CPU and memory of each Rasa server are read
from /proc during the load.

``soak``: 500 customers for 10 minutes, each asking a shop question every 30 s (a chat's
pace: 16.7 questions/s in all), and every 50th customer asking for a person instead, whom an
agent (the agent API, through the balancer) claims and greets, then closes. Counted: each
question's answer (the "Did that answer your question?" that ends every FAQ answer) is matched
to the question; lost = no answer within 30 s; duplicated = answered twice; and the tracker
store is read afterwards to check each question was stored once.

    .venv/bin/python -m bench.cluster scale [--seconds 60] [--customers 40]
    .venv/bin/python -m bench.cluster soak [--customers 500] [--minutes 10]

Load and servers share the machine's two cores: the load generator's own CPU time is
reported too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.chat_page import ChatPage
from bench.common import PROJECT, percentile, rss_mb, write_result
from bot.runtime.ports import consecutive_ports

QUESTIONS = [
    "how do I return an item?",
    "how long does delivery take?",
    "do you ship to germany",
    "can i pay with paypal",
    "when will I get my refund",
    "how do I change my delivery address",
]
#: Every FAQ answer ends with this question (its buttons follow in the same message).
ANSWER_END = "Did that answer your question?"
#: What a customer hears when part of the system is not responding (never_silent).
UNAVAILABLE = "part of our system isn't responding"
#: A question not answered within this long counts as lost.
LOST_AFTER = 30.0
AGENT = "soakagent"
AGENT_PASSWORD = "soak agent password"
GREETING = "Hello from the team."


# -- the topology -----------------------------------------------------------------------------


@dataclass
class Running:
    url: str  # where customers and agents go (the balancer, or the one box's ports)
    web_url: str
    rasa_ports: list[int]
    action_ports: list[int]
    web_ports: list[int]
    env: dict[str, str]
    root: Path

    def pids(self, ports: list[int]) -> list[int]:
        return [pid_listening(port) for port in ports]


def script_output(name: str, *args: str) -> str:
    return subprocess.run(
        [str(PROJECT / "scripts" / name), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@contextlib.contextmanager
def fresh_databases() -> Iterator[tuple[str, str]]:
    admin = script_output("ensure-postgres.sh")
    # pre-ping: a fault may have restarted PostgreSQL since the databases were made.
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    names = [f"bench_{kind}_{secrets.token_hex(4)}" for kind in ("desk", "tracker")]
    with engine.connect() as db:
        for name in names:
            db.exec_driver_sql(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with engine.connect() as db:
            for name in names:
                db.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


@contextlib.contextmanager
def running(rasa: int, actions: int, web: int, *, clustered: bool = True) -> Iterator[Running]:
    """The product as ``make run-cluster`` (or, not ``clustered``, ``make run``) starts it."""
    root = Path(tempfile.mkdtemp(prefix="supportbot-cluster-bench-"))
    kb = root / "knowledge_base"
    shutil.copytree(PROJECT / "knowledge_base", kb)
    always_open(kb / "business.yml")
    rasa_port, actions_port, web_port = (consecutive_ports(n) for n in (rasa, actions, web))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")},
        "SUPPORTBOT_RASA_PORT": str(rasa_port),
        "SUPPORTBOT_ACTIONS_PORT": str(actions_port),
        "SUPPORTBOT_WEB_PORT": str(web_port),
        "SUPPORTBOT_KB_DIR": str(kb),
        "SUPPORTBOT_KB_INDEX_DIR": str(root / "kb_index"),
        "SUPPORTBOT_DATA_DIR": str(root / "var"),
        "SUPPORTBOT_LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).with_name("supportbot")), "run"]
    with contextlib.ExitStack() as stack:
        if clustered:
            desk, tracker = stack.enter_context(fresh_databases())
            proxy = consecutive_ports(3)
            env |= {
                "SUPPORTBOT_DATABASE_URL": desk,
                "SUPPORTBOT_TRACKER_URL": tracker,
                "SUPPORTBOT_REDIS_URL": script_output("ensure-redis.sh"),
                "SUPPORTBOT_RABBITMQ_URL": script_output("ensure-rabbitmq.sh"),
            }
            command += ["--rasa", str(rasa), "--actions", str(actions), "--web", str(web)]
            command += ["--proxy-port", str(proxy)]
            url = web_url = f"http://127.0.0.1:{proxy}"
        else:
            url, web_url = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{web_port}"
        log_path = root / "run.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            deadline = time.monotonic() + 600
            while "supportbot is running" not in log_path.read_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text()[-3000:])
                time.sleep(1)
            add_agent(env)
            yield Running(
                url=url,
                web_url=web_url,
                rasa_ports=list(range(rasa_port, rasa_port + rasa)),
                action_ports=list(range(actions_port, actions_port + actions)),
                web_ports=list(range(web_port, web_port + web)),
                env=env,
                root=root,
            )
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=180)
    shutil.rmtree(root, ignore_errors=True)


def always_open(business: Path) -> None:
    """Live chat open around the clock, so handoffs reach an agent whenever this runs."""
    text = business.read_text()
    text = re.sub(
        r"(?m)^(\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)): .*$",
        r'\1: "00:00-24:00"',
        text,
    )
    text = re.sub(r"(?m)^  holidays:\n(    - .*\n)+", "  holidays: []\n", text)
    business.write_text(text)


def add_agent(env: dict[str, str]) -> None:
    subprocess.run(
        [str(Path(sys.executable).with_name("supportbot")), "agent", "add", "--name", AGENT,
         "--password", AGENT_PASSWORD, "--role", "agent"],
        env=env, cwd=PROJECT, capture_output=True, check=True,
    )  # fmt: skip


def pid_listening(port: int) -> int:
    """The server process started with ``--port PORT``."""
    wanted = str(port).encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--port" in args and wanted in args and b"haproxy" not in args[0]:
            return int(proc.name)
    raise RuntimeError(f"no server process with --port {port}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- customers --------------------------------------------------------------------------------


@dataclass
class Question:
    page: str
    sent_at: float
    answered_at: float | None = None
    apology: bool = False  # told the system is not responding, instead of an answer
    from_history: bool = False  # the answer came while disconnected: read from the history

    @property
    def latency(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.sent_at


@dataclass
class Ledger:
    """Questions sent and answers heard, matched in order per conversation."""

    questions: list[Question] = field(default_factory=list)
    extra: list[float] = field(default_factory=list)  # when answers beyond the questions came
    failed_to_connect: int = 0
    errors: list[str] = field(default_factory=list)

    def asked(self, page: str) -> Question:
        question = Question(page, time.monotonic())
        self.questions.append(question)
        return question

    def _waiting(self, page: str) -> Question | None:
        return next((q for q in self.questions if q.page == page and q.answered_at is None), None)

    def heard(self, page: str, message: dict[str, Any]) -> None:
        text = str(message.get("text", ""))
        apology = UNAVAILABLE in text
        if ANSWER_END not in text and not apology:
            return
        question = self._waiting(page)
        if question is None:
            self.extra.append(time.monotonic())
            return
        question.answered_at = time.monotonic()
        question.apology = apology

    def history(self, page: str, items: list[dict[str, Any]]) -> None:
        """After a reconnect: answers in the history not heard live were sent meanwhile."""
        answers = sum(
            1 for i in items if i.get("from") == "bot" and ANSWER_END in str(i.get("text", ""))
        )
        heard = sum(1 for q in self.questions if q.page == page and q.answered_at and not q.apology)
        for _ in range(max(0, answers - heard)):
            question = self._waiting(page)
            if question is None:
                break
            question.answered_at = time.monotonic()
            question.from_history = True

    def summary(self, seconds: float, since: float = 0.0, until: float = 1e18) -> dict[str, Any]:
        chosen = [q for q in self.questions if since <= q.sent_at < until]
        answered = [q for q in chosen if q.answered_at is not None and not q.apology]
        in_time = [q.latency for q in answered if q.latency is not None and q.latency <= LOST_AFTER]
        latencies = [q.latency for q in answered if q.latency is not None]
        return {
            "questions": len(chosen),
            "answered_in_time": len(in_time),
            "answered_late": len(answered) - len(in_time),
            "answered_from_history": sum(1 for q in answered if q.from_history),
            "apologised": sum(1 for q in chosen if q.apology),
            "lost": sum(1 for q in chosen if q.answered_at is None),
            "duplicated": sum(1 for moment in self.extra if since <= moment < until),
            "failed_to_connect": self.failed_to_connect,
            "answers_per_s": round(len(in_time) / seconds, 2),
            "p50_s": round(percentile(in_time, 50), 3) if in_time else None,
            "p95_s": round(percentile(in_time, 95), 3) if in_time else None,
            "max_s": round(max(latencies), 3) if latencies else None,
            "errors": self.errors[:10],
        }

    def against(self, stored: dict[str, int]) -> dict[str, int]:
        """The questions sent against those the tracker store holds, per conversation: a
        question stored twice was processed twice; one not stored never reached Rasa."""
        asked: dict[str, int] = {}
        for q in self.questions:
            asked[q.page] = asked.get(q.page, 0) + 1
        return {
            "stored": sum(stored.values()),
            "processed_twice": sum(max(0, stored.get(p, 0) - n) for p, n in asked.items()),
            "never_reached_rasa": sum(max(0, n - stored.get(p, 0)) for p, n in asked.items()),
        }

    def back_to_normal(self, fault_at: float, until: float, *, slow: float = 5.0) -> float:
        """Seconds from the fault until the last question it disturbed (unanswered,
        apologised for, or answered slower than ``slow``), among those asked before
        ``until`` (the next fault), was settled; 0 if none was."""
        settled = fault_at
        for q in self.questions:
            if q.sent_at + LOST_AFTER < fault_at or q.sent_at >= until:
                continue
            latency = q.latency
            if q.answered_at is None or q.apology or (latency is not None and latency > slow):
                settled = max(settled, q.answered_at or q.sent_at + LOST_AFTER)
        return round(settled - fault_at, 1)


async def open_page(url: str, ledger: Ledger, name: str) -> ChatPage | None:
    page = ChatPage(
        url,
        listener=lambda message: ledger.heard(name, message),
        on_history=lambda items: ledger.history(name, items),
    )
    try:
        await page.open()
    except Exception as exc:  # counted: a customer who could not even connect
        ledger.failed_to_connect += 1
        ledger.errors.append(f"connect: {exc!r}")
        with contextlib.suppress(Exception):
            await page.close()
        return None
    return page


async def closed_loop(url: str, customers: int, seconds: float) -> dict[str, Any]:
    """Each customer asks again as soon as it is answered (or gives up after 30 s)."""
    ledger = Ledger()
    pages = await asyncio.gather(*(open_page(url, ledger, f"c{n}") for n in range(customers)))
    started = time.monotonic()
    stop_at = started + seconds

    async def customer(name: str, page: ChatPage) -> None:
        while time.monotonic() < stop_at:
            question = ledger.asked(name)
            await page.say(random.choice(QUESTIONS))
            while question.answered_at is None:
                if time.monotonic() - question.sent_at > LOST_AFTER:
                    return
                await asyncio.sleep(0.02)

    await asyncio.gather(
        *(customer(f"c{n}", page) for n, page in enumerate(pages) if page is not None)
    )
    elapsed = time.monotonic() - started
    await asyncio.sleep(2)
    await close_all([page for page in pages if page is not None])
    return ledger.summary(elapsed)


async def close_all(pages: list[ChatPage]) -> None:
    """Side by side: a page's goodbye waits for its pending long-poll (up to 10 s)."""
    await asyncio.gather(*(page.close() for page in pages), return_exceptions=True)


def measure_scale(rasa: int, *, clustered: bool, customers: int, seconds: float) -> dict[str, Any]:
    actions = max(1, min(rasa, 2))
    with running(rasa, actions, 1, clustered=clustered) as product:
        pids = product.pids(product.rasa_ports)
        cpu_before = [cpu_seconds(pid) for pid in pids]
        load_cpu_before = time.process_time()
        result = asyncio.run(closed_loop(product.url, customers, seconds))
        result["load_generator_cpu_s"] = round(time.process_time() - load_cpu_before, 1)
        result["rasa_servers"] = [
            {"cpu_s": round(cpu_seconds(pid) - before, 1), "rss_mb": rss_mb(pid)}
            for pid, before in zip(pids, cpu_before, strict=True)
        ]
        result["action_servers_rss_mb"] = [rss_mb(p) for p in product.pids(product.action_ports)]
        result["web_services_rss_mb"] = [rss_mb(p) for p in product.pids(product.web_ports)]
    result["topology"] = {"rasa": rasa, "actions": actions, "web": 1, "balancer": clustered}
    return result


# -- the soak ---------------------------------------------------------------------------------


def api(web_url: str, method: str, path: str, body: dict | None, token: str | None) -> Any:  # type: ignore[type-arg]
    request = urllib.request.Request(
        web_url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


@dataclass
class Handoffs:
    asked: dict[str, float] = field(default_factory=dict)  # page -> when it asked
    greeted: dict[str, float] = field(default_factory=dict)  # page -> agent greeting heard after
    servers: dict[str, str | None] = field(default_factory=dict)  # page -> its Rasa server
    closed: int = 0
    agent_errors: list[str] = field(default_factory=list)


async def agent_desk(web_url: str, handoffs: Handoffs, stop_at: float) -> None:
    """One agent at the console's API: claims each waiting customer, greets, closes."""
    login = await asyncio.to_thread(
        api, web_url, "POST", "/api/login", {"username": AGENT, "password": AGENT_PASSWORD}, None
    )
    token = login["token"]
    while time.monotonic() < stop_at + LOST_AFTER:
        try:
            waiting = await asyncio.to_thread(
                api, web_url, "GET", "/api/handoffs?status=queued", None, token
            )
            for handoff in waiting:
                path = f"/api/handoffs/{handoff['id']}"
                await asyncio.to_thread(api, web_url, "POST", path + "/claim", {}, token)
                hello = {"text": GREETING}
                await asyncio.to_thread(api, web_url, "POST", path + "/messages", hello, token)
            assigned = await asyncio.to_thread(
                api, web_url, "GET", "/api/handoffs?status=assigned", None, token
            )
            for handoff in assigned:
                if handoff["conversation_id"] in handoffs.greeted:
                    path = f"/api/handoffs/{handoff['id']}/close"
                    await asyncio.to_thread(api, web_url, "POST", path, {"note": "soak"}, token)
                    handoffs.closed += 1
        except Exception as exc:  # noted; the agent carries on
            handoffs.agent_errors.append(repr(exc))
        await asyncio.sleep(1.0)


async def soak(
    url: str,
    web_url: str,
    customers: int,
    seconds: float,
    every: float,
    during: Callable[[Ledger], Awaitable[Any]] | None = None,
) -> dict[str, Any]:
    """Customers at a chat's pace for ``seconds``; ``during`` runs alongside (faults)."""
    ledger = Ledger()
    handoffs = Handoffs()
    started = time.monotonic()
    stop_at = started + seconds
    pages: list[ChatPage] = []

    def heard(name: str, message: dict[str, Any]) -> None:
        if name in handoffs.asked and GREETING in str(message.get("text", "")):
            handoffs.greeted.setdefault(name, time.monotonic() - handoffs.asked[name])
        ledger.heard(name, message)

    async def customer(n: int) -> None:
        await asyncio.sleep(random.uniform(0, every))  # arrivals spread over the first round
        page = ChatPage(
            url,
            web_url=web_url,
            listener=lambda message: heard(page.session_id, message),
            on_history=lambda items: ledger.history(page.session_id, items),
        )
        try:
            await page.open()
        except Exception as exc:
            ledger.failed_to_connect += 1
            ledger.errors.append(f"connect: {exc!r}")
            return
        pages.append(page)
        name = page.session_id
        wants_person = n % 50 == 0
        while time.monotonic() < stop_at:
            began = time.monotonic()
            if wants_person and name not in handoffs.asked:
                handoffs.asked[name] = time.monotonic()
                handoffs.servers[name] = page.server
                await page.say("I want to talk to a person")
            elif not (wants_person and name not in handoffs.greeted):
                ledger.asked(name)
                await page.say(random.choice(QUESTIONS))
            await asyncio.sleep(max(0.0, every - (time.monotonic() - began)))

    load_cpu_before = time.process_time()
    agent = asyncio.create_task(agent_desk(web_url, handoffs, stop_at))
    side = asyncio.create_task(during(ledger)) if during is not None else None
    await asyncio.gather(*(customer(n) for n in range(customers)))
    result_of_side = await side if side is not None else None
    await asyncio.sleep(LOST_AFTER)  # the last questions' answers
    agent.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await agent
    load_cpu = time.process_time() - load_cpu_before
    await close_all(pages)
    result = ledger.summary(seconds)
    greetings = list(handoffs.greeted.values())
    result["handoffs"] = {
        "asked": len(handoffs.asked),
        "agent_heard": len(greetings),
        "agent_heard_p50_s": round(percentile(greetings, 50), 2) if greetings else None,
        "customers_on_servers": sorted({s or "?" for s in handoffs.servers.values()}),
        "closed": handoffs.closed,
        "agent_errors": handoffs.agent_errors[:5],
    }
    result["load_generator_cpu_s"] = round(load_cpu, 1)
    result["sessions"] = [p.session_id for p in pages]
    result["reconnects"] = sum(p.reconnects for p in pages)
    result["_ledger"] = ledger
    if result_of_side is not None:
        result["faults"] = result_of_side
    return result


def stored_questions(tracker_url: str, sessions: list[str]) -> dict[str, int]:
    """How many times each customer's questions are in the tracker store."""
    engine = sa.create_engine(tracker_url)
    counts: dict[str, int] = {}
    with engine.connect() as db:
        rows = db.execute(
            sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user'")
        ).all()
    engine.dispose()
    wanted = set(sessions)
    for sender, data in rows:
        if sender in wanted and json.loads(data).get("text") in QUESTIONS:
            counts[sender] = counts.get(sender, 0) + 1
    return counts


def measure_soak(customers: int, minutes: float, every: float) -> dict[str, Any]:
    with running(2, 2, 2) as product:
        result = asyncio.run(soak(product.url, product.web_url, customers, minutes * 60, every))
        ledger: Ledger = result.pop("_ledger")
        stored = stored_questions(product.env["SUPPORTBOT_TRACKER_URL"], result.pop("sessions"))
        result["rasa_servers_rss_mb"] = [rss_mb(p) for p in product.pids(product.rasa_ports)]
    result["tracker"] = ledger.against(stored)
    result["topology"] = {"rasa": 2, "actions": 2, "web": 2, "balancer": True}
    result["load"] = {
        "customers": customers,
        "minutes": minutes,
        "question_every_s": every,
        "questions_per_s": round(customers / every, 1),
    }
    return result


# -- faults during a soak ---------------------------------------------------------------------


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def wait_until(check: Callable[[], bool], *, seconds: float = 180) -> float | None:
    """Seconds until ``check()`` holds (None if it never does within ``seconds``)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return round(time.monotonic() - started, 1)
        time.sleep(0.2)
    return None


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def kill_server(port: int, health: str) -> dict[str, Any]:
    kill(pid_listening(port))
    gone = wait_until(lambda: not answers(health), seconds=10)
    return {"serving_again_after_s": wait_until(lambda: answers(health)), "noticed_s": gone}


def restart_postgres() -> dict[str, Any]:
    version = sorted((p.name for p in Path("/usr/lib/postgresql").iterdir()), key=int)[-1]
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True, capture_output=True,
    )  # fmt: skip
    return {"restart_took_s": round(time.monotonic() - started, 1)}


def restart_redis() -> dict[str, Any]:
    started = time.monotonic()
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    wait_until(lambda: subprocess.run(["redis-cli", "ping"], capture_output=True).returncode != 0)
    script_output("ensure-redis.sh")
    return {"restart_took_s": round(time.monotonic() - started, 1)}


def restart_rabbitmq() -> dict[str, Any]:
    started = time.monotonic()
    subprocess.run(["rabbitmqctl", "-q", "stop"], capture_output=True, check=True)
    script_output("ensure-rabbitmq.sh")
    return {"restart_took_s": round(time.monotonic() - started, 1)}


def lease_holder(database_url: str) -> str | None:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as db:
            row = db.execute(
                sa.text("SELECT holder FROM leases WHERE name = 'desk-duty' AND expires_at > now()")
            ).first()
    finally:
        engine.dispose()
    return row[0] if row else None


def kill_lease_holder(database_url: str) -> dict[str, Any]:
    holder = lease_holder(database_url)
    if holder is None:
        return {"error": "no web service held the lease"}
    kill(int(holder.split(":")[1]))
    taken = wait_until(lambda: lease_holder(database_url) not in (None, holder), seconds=60)
    return {"killed": holder, "taken_over_after_s": taken}


def fault_actions(product: Running) -> dict[str, tuple[str, Callable[[], dict[str, Any]]]]:
    rasa, actions = product.rasa_ports[0], product.action_ports[0]
    desk = product.env["SUPPORTBOT_DATABASE_URL"]
    return {
        "rasa": (
            "kill -9 one Rasa server",
            lambda: kill_server(rasa, f"http://127.0.0.1:{rasa}/"),
        ),
        "actions": (
            "kill -9 one action server",
            lambda: kill_server(actions, f"http://127.0.0.1:{actions}/health"),
        ),
        "postgres": ("restart PostgreSQL", restart_postgres),
        "redis": ("restart Redis", restart_redis),
        "rabbitmq": ("restart RabbitMQ", restart_rabbitmq),
        "desk": (
            "kill -9 the web service doing the desk's timed work",
            lambda: kill_lease_holder(desk),
        ),
    }


def measure_faults(customers: int, every: float, gap: float, names: list[str]) -> dict[str, Any]:
    """One fault every ``gap`` seconds during a soak, each judged on its own window."""
    with running(2, 2, 2) as product:
        actions = fault_actions(product)
        injected: list[tuple[str, float, dict[str, Any]]] = []

        async def inject(ledger: Ledger) -> None:
            await asyncio.sleep(gap)  # a quiet first window: the baseline
            for name in names:
                fault_at = time.monotonic()
                details = await asyncio.to_thread(actions[name][1])
                injected.append((name, fault_at, details))
                await asyncio.sleep(max(0.0, gap - (time.monotonic() - fault_at)))

        seconds = gap * (len(names) + 1)
        result = asyncio.run(soak(product.url, product.web_url, customers, seconds, every, inject))
        ledger: Ledger = result.pop("_ledger")
        stored = stored_questions(product.env["SUPPORTBOT_TRACKER_URL"], result.pop("sessions"))
    baseline_end = injected[0][1] if injected else time.monotonic()
    windows = {"none (baseline)": ledger.summary(gap, until=baseline_end - 10)}
    for name, fault_at, details in injected:
        window = ledger.summary(gap, since=fault_at - 10, until=fault_at + gap - 10)
        window.pop("errors")
        window.pop("failed_to_connect")
        window["back_to_normal_s"] = ledger.back_to_normal(fault_at, fault_at + gap - 10)
        windows[actions[name][0]] = {**window, **details}
    return {
        "load": {"customers": customers, "question_every_s": every, "seconds": seconds},
        "topology": {"rasa": 2, "actions": 2, "web": 2, "balancer": True},
        "total": {k: v for k, v in result.items() if k != "faults"},
        "tracker": ledger.against(stored),
        "faults": windows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    scale = sub.add_parser("scale", help="throughput at 1, 2, 3 Rasa servers and one box")
    scale.add_argument("--customers", type=int, default=40)
    scale.add_argument("--seconds", type=float, default=60)
    scale.add_argument("--replicas", default="1,2,3")
    soak_parser = sub.add_parser("soak", help="500 customers for 10 minutes at a chat's pace")
    soak_parser.add_argument("--customers", type=int, default=500)
    soak_parser.add_argument("--minutes", type=float, default=10)
    soak_parser.add_argument("--every", type=float, default=30)
    faults_parser = sub.add_parser("faults", help="one fault after another during a soak")
    faults_parser.add_argument("--customers", type=int, default=300)
    faults_parser.add_argument("--every", type=float, default=30)
    faults_parser.add_argument("--gap", type=float, default=90)
    faults_parser.add_argument("--only", default="rasa,actions,postgres,redis,rabbitmq,desk")
    args = parser.parse_args()
    if args.what == "scale":
        runs = {"one_box": measure_scale(1, clustered=False, customers=args.customers,
                                         seconds=args.seconds)}  # fmt: skip
        print(json.dumps(runs["one_box"]))
        for n in (int(x) for x in args.replicas.split(",")):
            runs[f"rasa_{n}"] = measure_scale(
                n, clustered=True, customers=args.customers, seconds=args.seconds
            )
            print(json.dumps(runs[f"rasa_{n}"]))
        write_result(
            "cluster_scale",
            {"customers": args.customers, "seconds": args.seconds, "runs": runs},
        )
    elif args.what == "faults":
        result = measure_faults(args.customers, args.every, args.gap, args.only.split(","))
        print(json.dumps(result))
        write_result("cluster_faults", result)
    else:
        result = measure_soak(args.customers, args.minutes, args.every)
        print(json.dumps(result))
        write_result("cluster_soak", result)


if __name__ == "__main__":
    main()
