"""End-to-end: the product started exactly as ``make run`` starts it, on free local ports."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.runtime.ports import consecutive_ports
from tests.conftest import PROJECT
from tests.e2e.desk import PASSWORD, add_agent, api, set_hours
from tests.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

#: The Slack channel where agents hear that a customer is waiting.
AGENT_CHANNEL = "CAGENTS01"
STARTUP_TIMEOUT = 600  # a fresh clone trains the Rasa model first (about a minute here)


@dataclass
class RunningBot:
    process: subprocess.Popen[str]
    rasa_url: str
    actions_url: str
    web_url: str
    kb_dir: Path
    data_dir: Path
    output: Path
    env: dict[str, str]  # the SUPPORTBOT_* settings it was started with

    def say(self, sender: str, text: str, metadata: dict | None = None) -> list[dict]:
        body = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        headers = {"Content-Type": "application/json"}
        if token := self.env.get("SUPPORTBOT_REST_TOKEN"):
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=json.dumps(body).encode(),
            headers=headers,
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def log(self) -> str:
        return self.output.read_text(errors="replace")


@pytest.fixture(scope="session")
def fake_slack():
    """Slack's Web API, faked on a local port (the bot is configured to use it)."""
    slack = FakeSlack().start()
    yield slack
    slack.stop()


@pytest.fixture(scope="session")
def running_bot(tmp_path_factory, fake_slack) -> Iterator[RunningBot]:
    """The product on its defaults (SQLite), with Slack through the local fake."""
    yield from start_product(
        tmp_path_factory.mktemp("running"),
        {
            # Slack, answered through the local fake of Slack's Web API.
            "SUPPORTBOT_SLACK_BOT_TOKEN": BOT_TOKEN,
            "SUPPORTBOT_SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SUPPORTBOT_SLACK_API_URL": fake_slack.api_url,
            "SUPPORTBOT_SLACK_USE_THREADS": "true",
            "SUPPORTBOT_SLACK_AGENT_CHANNEL": AGENT_CHANNEL,
        },
    )


def start_product(
    root: Path, settings: dict[str, str], *, cluster: int | None = None
) -> Iterator[RunningBot]:
    """``supportbot run`` on free ports with a private copy of the knowledge base and data
    folder under ``root`` plus ``settings``; stopped with Ctrl-C afterwards, checking that it
    stops cleanly and nothing keeps listening.

    With ``cluster=N``: N servers of each kind behind the load balancer (``--rasa N
    --actions N --web N --proxy-port P``); the bot's URLs are then the balancer's."""
    kb_dir = root / "knowledge_base"
    shutil.copytree(PROJECT / "knowledge_base", kb_dir)
    size = cluster or 1
    rasa_port, actions_port, web_port = (consecutive_ports(size) for _ in range(3))
    command = [str(Path(sys.executable).parent / "supportbot"), "run"]
    ports = [*range(rasa_port, rasa_port + size), *range(actions_port, actions_port + size)]
    ports += range(web_port, web_port + size)
    public_rasa, public_web = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{web_port}"
    if cluster is not None:
        proxy = consecutive_ports(3)
        command += ["--rasa", str(size), "--actions", str(size), "--web", str(size)]
        command += ["--proxy-port", str(proxy)]
        ports += range(proxy, proxy + 3)
        public_rasa = public_web = f"http://127.0.0.1:{proxy}"
    product_env = {
        "SUPPORTBOT_RASA_PORT": str(rasa_port),
        "SUPPORTBOT_ACTIONS_PORT": str(actions_port),
        "SUPPORTBOT_WEB_PORT": str(web_port),
        "SUPPORTBOT_KB_DIR": str(kb_dir),
        "SUPPORTBOT_KB_INDEX_DIR": str(root / "kb_index"),
        "SUPPORTBOT_DATA_DIR": str(root / "var"),
        # The trained model is shared with `make run` (it is keyed by content anyway).
        "SUPPORTBOT_MODELS_DIR": str(PROJECT / "models"),
        **settings,
    }
    output = root / "supportbot-run.log"
    handle = output.open("w")
    process = subprocess.Popen(
        command,
        cwd=PROJECT,
        env={**os.environ, **product_env},
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
    )
    bot = RunningBot(
        process=process,
        rasa_url=public_rasa,
        actions_url=f"http://127.0.0.1:{actions_port}",
        web_url=public_web,
        kb_dir=kb_dir,
        data_dir=root / "var",
        output=output,
        env=product_env,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while "supportbot is running" not in bot.log():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"supportbot run did not start:\n{bot.log()[-5000:]}")
        time.sleep(1)
    yield bot
    # Ctrl-C: everything stops cleanly, and nothing keeps listening on the ports.
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=90)
        assert code == 0, bot.log()[-3000:]
        assert "stopped." in bot.log()
        for port in ports:
            with socket.socket() as sock:
                assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open"


CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = PROJECT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (installed by `make test`).

    Module-scoped on purpose: Playwright's sync API keeps an event loop running
    in the main thread while it is open, which would break later tests that
    call asyncio.run().
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `make browser` (make test does it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile (own storage) per test, failing on any page error."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a screenshot as a test artefact (tests/artifacts/)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.fixture
def hours(running_bot):
    """Lets a test choose the team's hours; after it, the original business facts come back
    and every agent is offline again (other tests expect nobody to be chatting)."""
    path = running_bot.kb_dir / "business.yml"
    original = path.read_text()
    yield lambda value: set_hours(running_bot.kb_dir, value)
    path.write_text(original)
    for name in ("anna", "lead-lee"):
        # Both exist first: failed sign-ins of a name not created yet would slow its later
        # sign-ins from this address (the throttle counts them).
        add_agent(running_bot, name, role="lead" if name == "lead-lee" else "agent")
        status, login = api(
            running_bot, "POST", "/api/login", {"username": name, "password": PASSWORD}
        )
        if status == 200:
            api(running_bot, "POST", "/api/presence", {"presence": "offline"}, token=login["token"])
