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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.chat_page import ChatPage
from bench.common import PROJECT, free_port, percentile, write_result

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
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
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


def consecutive_ports(count: int) -> int:
    while True:
        first = free_port()
        if first + count < 65535 and all(port_free(p) for p in range(first + 1, first + count)):
            return first


def port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


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


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


# -- customers --------------------------------------------------------------------------------


@dataclass
class Ledger:
    """Questions sent and answers heard, matched in order per conversation."""

    sent: dict[str, list[float]] = field(default_factory=dict)
    answered: dict[str, list[float]] = field(default_factory=dict)  # latency per answer
    extra: int = 0  # answers beyond the questions asked: duplicates
    failed_to_connect: int = 0
    errors: list[str] = field(default_factory=list)

    def asked(self, page: str) -> None:
        self.sent.setdefault(page, []).append(time.monotonic())

    def heard(self, page: str, message: dict[str, Any]) -> None:
        if ANSWER_END not in str(message.get("text", "")):
            return
        answers = self.answered.setdefault(page, [])
        questions = self.sent.get(page, [])
        if len(answers) >= len(questions):
            self.extra += 1
            return
        answers.append(time.monotonic() - questions[len(answers)])

    def latencies(self) -> list[float]:
        return [t for page in self.answered.values() for t in page]

    def summary(self, seconds: float) -> dict[str, Any]:
        latencies = self.latencies()
        questions = sum(len(v) for v in self.sent.values())
        in_time = [t for t in latencies if t <= LOST_AFTER]
        return {
            "questions": questions,
            "answered_in_time": len(in_time),
            "answered_late": len(latencies) - len(in_time),
            "lost": questions - len(in_time),
            "duplicated": self.extra,
            "failed_to_connect": self.failed_to_connect,
            "answers_per_s": round(len(in_time) / seconds, 2),
            "p50_s": round(percentile(in_time, 50), 3) if in_time else None,
            "p95_s": round(percentile(in_time, 95), 3) if in_time else None,
            "max_s": round(max(latencies), 3) if latencies else None,
            "errors": self.errors[:10],
        }


async def open_page(url: str, ledger: Ledger, name: str) -> ChatPage | None:
    page = ChatPage(url, listener=lambda message: ledger.heard(name, message))
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
            count = len(ledger.answered.get(name, []))
            ledger.asked(name)
            await page.say(random.choice(QUESTIONS))
            waited = time.monotonic()
            while len(ledger.answered.get(name, [])) == count:
                if time.monotonic() - waited > LOST_AFTER:
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


async def soak(url: str, web_url: str, customers: int, seconds: float, every: float) -> dict:  # type: ignore[type-arg]
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
        name = f"c{n}"
        page = ChatPage(url, listener=lambda message: heard(page.session_id, message))
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
    await asyncio.gather(*(customer(n) for n in range(customers)))
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
        stored = stored_questions(product.env["SUPPORTBOT_TRACKER_URL"], result.pop("sessions"))
        result["rasa_servers_rss_mb"] = [rss_mb(p) for p in product.pids(product.rasa_ports)]
    result["stored_questions"] = sum(stored.values())
    result["topology"] = {"rasa": 2, "actions": 2, "web": 2, "balancer": True}
    result["load"] = {
        "customers": customers,
        "minutes": minutes,
        "question_every_s": every,
        "questions_per_s": round(customers / every, 1),
    }
    return result


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
    else:
        result = measure_soak(args.customers, args.minutes, args.every)
        print(json.dumps(result))
        write_result("cluster_soak", result)


if __name__ == "__main__":
    main()
