"""The scaled-out topology, started as ``make run-cluster`` starts it (``supportbot run --rasa
2 --actions 2 --web 2 --proxy-port P``): two Rasa servers sharing PostgreSQL, Redis (lock
store, socket.io manager) and RabbitMQ (event broker), two action servers, two desk web
services, HAProxy in front.
Everything goes through the load balancer's one public address; a customer's chat page stays
with one Rasa server, and what an agent writes reaches it whichever server Rasa's HTTP API
call landed on."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import os
import re
import shlex
import shutil
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bench.chat_page import ChatPage
from bot.rasa_api import HttpRasaApi, run_sync
from bot.retraining.registry import ModelRegistry
from bot.settings import Settings
from bot.storage.leases import SqlLeases
from tests.databases import fresh_postgres, rabbitmq_url, redis_url
from tests.e2e.conftest import start_product
from tests.e2e.desk import PASSWORD, add_agent, api, set_hours
from tests.e2e.test_running_bot import new_sender, texts

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    redis, broker = redis_url(), rabbitmq_url()
    if shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists():
        pytest.fail("HAProxy is not installed (scripts/ensure-haproxy.sh; make test runs it)")
    with (
        fresh_postgres("cluster_desk", migrated=False) as desk,
        fresh_postgres("cluster_tracker", migrated=False) as tracker,
    ):
        yield from start_product(
            tmp_path_factory.mktemp("cluster"),
            {
                "SUPPORTBOT_DATABASE_URL": desk,
                "SUPPORTBOT_TRACKER_URL": tracker,
                "SUPPORTBOT_REDIS_URL": redis,
                "SUPPORTBOT_RABBITMQ_URL": broker,
                # The production setting the README describes: REST only with the token.
                "SUPPORTBOT_REST_TOKEN": "cluster-rest-token",
            },
            cluster=2,
        )


def test_the_load_balancer_is_the_one_address_and_spreads_customers(cluster):
    assert "2 Rasa servers, 2 action servers, 2 web services and the load balancer" in cluster.log()
    assert f"Agent console     {cluster.web_url}/console" in cluster.log()
    env_file = cluster.data_dir / "cluster" / "env"  # for commands in another terminal
    assert f". {env_file}" in cluster.log()
    exported = env_file.read_text()
    assert f"export SUPPORTBOT_DATABASE_URL={cluster.env['SUPPORTBOT_DATABASE_URL']}" in exported
    assert env_file.stat().st_mode & 0o077 == 0  # it holds the database password
    with urllib.request.urlopen(cluster.web_url + "/", timeout=10) as page:
        assert page.status == 200 and b"widget" in page.read()
    replies = cluster.say(new_sender(), "how do I return an item?")  # with the REST token
    assert "Did that answer your question?" in texts(replies)
    for authorization in ({}, {"Authorization": "Bearer not-the-token"}):
        without = urllib.request.Request(
            cluster.rasa_url + "/webhooks/rest/webhook",
            data=json.dumps({"sender": new_sender(), "message": "hi"}).encode(),
            headers={"Content-Type": "application/json", **authorization},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(without, timeout=10)
        assert refused.value.code == 401
    for hidden in ("/conversations/x/tracker", "/model/parse", "/status"):  # Rasa's own API
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(cluster.web_url + hidden, timeout=10)
        assert refused.value.code == 404

    async def two_pages() -> list[str | None]:
        pages = [ChatPage(cluster.rasa_url), ChatPage(cluster.rasa_url)]
        for page in pages:
            await page.open()
            await page.say("how long does delivery take?")
            await page.hear(containing="Did that answer your question?")
            await page.close()
        return [page.server for page in pages]

    assert sorted(asyncio.run(two_pages())) == ["r1", "r2"]  # one on each Rasa server


def test_a_page_that_sends_no_cookie_stays_with_its_rasa_server(cluster):
    """A widget embedded on another site's page sends no cookie to the bot's address: the
    balancer keeps its requests together by the server name in the session id."""

    async def pages_without_cookies() -> list[str | None]:
        pages = [ChatPage(cluster.rasa_url, cookies=False) for _ in range(2)]
        for page in pages:
            await page.open()
        for question in ("how do I return an item?", "can i pay with paypal"):
            for page in pages:
                await page.say(question)
                await page.hear(containing="Did that answer your question?")
        sessions = [page.engine_session for page in pages]
        for page in pages:
            await page.close()
        return sessions

    sessions = asyncio.run(pages_without_cookies())
    assert sorted(session.split("-", 1)[0] for session in sessions) == ["r1", "r2"]


def test_a_handoff_across_servers_reaches_the_customer_on_their_own_server(cluster):
    set_hours(cluster.kb_dir, "00:00-24:00")
    add_agent(cluster, "pia")
    status, login = api(cluster, "POST", "/api/login", {"username": "pia", "password": PASSWORD})
    assert status == 200, login
    token = login["token"]
    rasa_port = int(cluster.env["SUPPORTBOT_RASA_PORT"])
    api_token = (cluster.data_dir / "secrets" / "rasa_api_token").read_text().strip()

    async def conversation() -> None:
        page = ChatPage(cluster.rasa_url, server="r1")  # on the first Rasa server
        await page.open()
        await page.say("I want to talk to a person")
        await page.hear(containing="in the queue")
        _, waiting = api(cluster, "GET", "/api/handoffs?status=queued", token=token)
        (mine,) = [h for h in waiting if h["conversation_id"] == page.session_id]
        status, _ = api(cluster, "POST", f"/api/handoffs/{mine['id']}/claim", {}, token=token)
        assert status == 200
        await page.hear(containing="pia")  # "pia from our team has joined the chat."
        status, _ = api(
            cluster,
            "POST",
            f"/api/handoffs/{mine['id']}/messages",
            {"text": "Hi, Pia here."},
            token=token,
        )
        assert status == 201
        [*_, hello] = await page.hear(containing="Pia here")
        assert hello.get("agent") == "pia"

        # The agent's console (its live feed, on either web service) shows the customer's
        # reply: the web services hear of it from Rasa's event broker.
        async with aiohttp.ClientSession() as http:
            live = cluster.web_url.replace("http", "ws", 1) + f"/api/live?token={token}"
            async with http.ws_connect(live) as console:
                assert (await console.receive_json(timeout=10))["type"] == "hello"
                await page.say("thanks, my order number is 5521")
                shown = await console_entry(console, "my order number is 5521")
        assert shown["handoff_id"] == mine["id"]

        # Written through the second Rasa server's HTTP API (as the desk may be): the page,
        # connected to the first, hears it through the shared socket.io manager.
        query = urllib.parse.urlencode(
            {"output_channel": "latest", "execute_side_effects": "true", "token": api_token}
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{rasa_port + 1}/conversations/{page.session_id}/tracker/events"
            f"?{query}",
            data=json.dumps(
                [{"event": "bot", "text": "One more thing from the team.", "metadata": {}}]
            ).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as written:
            assert written.status == 200
        await page.hear(containing="One more thing from the team.")

        status, _ = api(
            cluster, "POST", f"/api/handoffs/{mine['id']}/close", {"note": "done"}, token=token
        )
        assert status == 200
        await page.hear(containing="pia has closed the chat")  # back with the bot
        assert page.server == "r1"
        await page.close()

    asyncio.run(conversation())


async def console_entry(console: aiohttp.ClientWebSocketResponse, text: str) -> dict:
    """The console feed's first conversation event whose text contains ``text``."""
    async with asyncio.timeout(15):
        while True:
            message = await console.receive_json()
            if message["type"] == "event" and text in message["entry"].get("text", ""):
                return message


def test_the_desks_timed_work_runs_in_one_web_service(cluster):
    leases = SqlLeases(cluster.env["SUPPORTBOT_DATABASE_URL"])
    holder = leases.holder("desk-duty", now=datetime.now(UTC))
    assert holder is not None
    logs = "".join((cluster.data_dir / "logs" / f"web-{n}.log").read_text() for n in (1, 2))
    took = set(re.findall(r"now does the desk's timed work \(([^)]+)\)", logs))
    assert took == {holder[0]}, took  # one took it, and kept it


def test_every_web_service_follows_rasas_event_broker(cluster):
    for n in (1, 2):
        log = (cluster.data_dir / "logs" / f"web-{n}.log").read_text()
        assert "following Rasa's events through the event broker" in log


def test_a_model_promoted_through_the_balancer_reaches_every_rasa_server(cluster):
    # As `supportbot retrain` run after `. var/cluster/env` promotes: through the balancer.
    environment = dict(os.environ) | cluster.env
    for line in (cluster.data_dir / "cluster" / "env").read_text().splitlines():
        if line.startswith("export "):
            name, _, value = shlex.split(line)[1].partition("=")
            environment[name] = value
    settings = Settings.from_env(environment)
    registry = ModelRegistry(settings)
    promoted = with_model_id(registry.link.resolve(), cluster.data_dir / "promoted.tar.gz")
    registry.promote(promoted, by="e2e", at=datetime.now(UTC))

    # Each Rasa server's own API (not the balancer's): both serve it within a minute.
    first = int(cluster.env["SUPPORTBOT_RASA_PORT"])
    for port in (first, first + 1):
        own = HttpRasaApi(dataclasses.replace(settings, rasa_api_url=f"http://127.0.0.1:{port}"))
        deadline = time.monotonic() + 60
        while (run_sync(own.status()) or {}).get("model_id") != "promoted-in-e2e":
            assert time.monotonic() < deadline, f"the Rasa server on {port} kept its model"
            time.sleep(1)
    assert "now serves the promoted model promoted.tar.gz" in cluster.log()


def with_model_id(model: Path, copy: Path) -> Path:
    """A copy of a trained model that Rasa tells apart from it (its metadata's model_id)."""
    with tarfile.open(model, "r:gz") as source, tarfile.open(copy, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name.lstrip("/") == "metadata.json" and data is not None:
                metadata = json.load(data) | {"model_id": "promoted-in-e2e"}
                encoded = json.dumps(metadata).encode()
                member.size = len(encoded)
                data = io.BytesIO(encoded)
            target.addfile(member, data)
    return copy
