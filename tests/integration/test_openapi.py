"""The team's JSON API against its OpenAPI document (``bot/web/openapi.yml``).

The document is served without a session, lists exactly the routes the web app registers
under ``/api/`` (a route added without documentation fails here), and is valid OpenAPI 3.0.
Then schemathesis (``st``, from ``scripts/ensure-deploy-tools.sh``: its own venv, as it needs a
newer jsonschema than Rasa's; ``make test`` passes its folder in ``SUPPORTBOT_TEST_DEPLOY_TOOLS``)
sends generated requests, valid and invalid, to the real web app on a real port, signed in as
an admin so every route is reachable, with a waiting customer, a complaint, a follow-up and
review groups (one answered wrongly) in place: no answer may be a 500, and every status and
content type must be one the document lists, every body one its schema allows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.privacy.redactor import Redactor
from bot.reporting.dashboard import Dashboard
from bot.reporting.report import Stores, load_day
from bot.review.training_data import IntentFile, ProjectIntents
from bot.review.workflow import ReviewWorkflow
from bot.services import Services
from bot.settings import Settings
from bot.storage.audit import SqlAuditLog
from bot.storage.review import SqlReviewInbox
from bot.web.app import DeskParts, create_app
from bot.web.openapi import PATH, openapi_document
from tests.conftest import OPEN_TIME, PROJECT
from tests.databases import unavailable
from tests.desk_parts import PASSWORD, desk_parts, waiting_customer
from tests.fakes import HashEmbedder
from tests.unit.test_review_labelling import answered_with, said, unsure, write_tracker

TOOLS_ENV = "SUPPORTBOT_TEST_DEPLOY_TOOLS"
LONDON = ZoneInfo("Europe/London")
METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
#: Fixed, so that a failure can be reproduced (st prints the request that failed).
SEED = 18
#: Generated requests per operation (and phase): the run stays well under a minute on 2 cores.
EXAMPLES = 25
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
#: Not run: signing out ends, and changing the password replaces, the session the run signs
#: in with (both are covered by tests/unit/test_agent_api.py).
EXCLUDED = ["/api/logout", "/api/password"]


@pytest.fixture
def tools() -> Path:
    folder = os.environ.get(TOOLS_ENV, "").strip()
    if not folder:
        unavailable(
            f"{TOOLS_ENV} is not set", "set it to what scripts/ensure-deploy-tools.sh prints"
        )
    if not (Path(folder) / "st").is_file():
        unavailable(
            f"schemathesis is not in {folder}", "scripts/ensure-deploy-tools.sh installs it"
        )
    return Path(folder)


@pytest.fixture
def parts(settings: Settings, tmp_path: Path) -> DeskParts:
    """The whole desk: agents, a lead, admin ``ada``; the review inbox (with the hash embedder,
    on a copy of the project's training data), the dashboard and the audit log."""
    write_tracker(
        tmp_path / "tracker.db",  # the desk's conversation store (tests/desk_parts.py)
        {
            "c1": [unsure("can my parcel go to a neighbour? jane@example.com")],
            "c2": [unsure("can my parcel go to a neighbour? tom@example.org")],
            "c3": [unsure("gibberish qwxz", guess="greet")],
            # Answered wrongly: a message with its article, a group with wrong answers.
            "c4": [
                said("can I return a sale item", "ask_returns", 0.93),
                *answered_with("returns-sale-items"),
                said("no", "deny", 0.95),
            ],
        },
    )
    base = desk_parts(settings, tmp_path)
    base.accounts.add("ada", PASSWORD, "admin", now=OPEN_TIME)
    database = Services(settings).database_url
    home = _project_copy(tmp_path / "project")
    review = ReviewWorkflow(
        inbox=SqlReviewInbox(database),
        store=base.desk.store,
        redactor=lambda: Redactor("FH[0-9]{4,8}"),
        embedder=HashEmbedder,  # so mining here loads no model (the product's loads MiniLM)
        project=ProjectIntents(home),
        eval_file=IntentFile(home / "evaluation" / "intents.yml"),
        kb_dir=home / "knowledge_base",
        clock=base.clock,
    )
    assert base.complaints is not None and base.followups is not None
    stores = Stores(
        conversations=base.desk.store,
        handoffs=base.desk.queue,
        complaints=base.complaints,
        followups=base.followups,
    )
    dashboard = Dashboard(
        lambda day: load_day(stores, day, LONDON), zone=lambda: LONDON, clock=base.clock
    )
    return dataclasses.replace(
        base,
        review=lambda: review,
        dashboard=dashboard,
        zone=lambda: LONDON,
        audit=SqlAuditLog(database),
    )


def _project_copy(home: Path) -> Path:
    """What review decisions write to: never the project itself."""
    home.mkdir()
    shutil.copy2(PROJECT / "domain.yml", home / "domain.yml")
    for folder in ("data", "knowledge_base", "evaluation"):
        shutil.copytree(PROJECT / folder, home / folder)
    return home


def _app(settings: Settings, parts: DeskParts) -> Any:
    return create_app(settings, store=parts.desk.store, company="Fernhill", desk=parts)


def _served_document(settings: Settings, parts: DeskParts) -> tuple[int, dict[str, Any], Any]:
    """The status and document ``GET /api/openapi.json`` answers with no session, and the app."""
    app = _app(settings, parts)

    async def fetch() -> tuple[int, dict[str, Any]]:
        async with TestClient(TestServer(app)) as client:
            reply = await client.get(PATH)
            return reply.status, await reply.json()

    status, document = asyncio.run(fetch())
    return status, document, app


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def _references(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def test_openapi_document_is_served_without_a_session_and_lists_every_api_route(settings, parts):
    status, document, app = _served_document(settings, parts)

    registered = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        # aiohttp answers HEAD for every GET by itself: documented as the GET.
        if route.resource is not None
        and route.resource.canonical.startswith("/api/")
        and route.method != "HEAD"
    }
    assert status == 200
    assert document["openapi"].startswith("3.0.")
    assert len(registered) > 30  # the whole desk was built: the comparison means something
    assert registered - _operations(document) == set(), "routes without documentation"
    assert _operations(document) - registered == set(), "documented routes that do not exist"
    for reference in set(_references(document)):
        where: Any = document
        for part in reference.removeprefix("#/").split("/"):
            assert part in where, f"{reference} points nowhere"
            where = where[part]


def test_openapi_document_is_valid_openapi_3(settings, parts, tools, tmp_path):
    _, document, _ = _served_document(settings, parts)
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    # schemathesis checks it against the OpenAPI 3.0 specification's own JSON Schema.
    check = "import schemathesis, sys; schemathesis.openapi.from_path(sys.argv[1]).validate()"
    done = subprocess.run(
        [str(tools / "python"), "-c", check, str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]


_SURROGATE = '"\\ud800"'  # JSON for a lone UTF-16 surrogate: Python parses it, nothing stores it


@pytest.mark.parametrize(
    ("method", "operation", "target", "body", "expected"),
    [
        # Ids beyond the database's integers, or digits int() refuses: not found.
        ("GET", "/api/review/items/{id}", "/api/review/items/" + "9" * 25, None, 404),
        (
            "POST",
            "/api/review/items/{id}/decision",
            "/api/review/items/" + "9" * 25 + "/decision",
            '{"action": "ignore"}',
            404,
        ),
        ("GET", "/api/complaints/{reference}", "/api/complaints/C-%C2%B2", None, 404),
        (
            "POST",
            "/api/complaints/{reference}/responded",
            "/api/complaints/C-" + "9" * 25 + "/responded",
            None,
            404,
        ),
        ("GET", "/api/audit", "/api/audit?before=" + "9" * 25, None, 200),
        # Days at the ends of the calendar.
        ("GET", "/api/dashboard", "/api/dashboard?to=0001-01-01", None, 400),
        (
            "GET",
            "/api/dashboard",
            "/api/dashboard?from=9999-12-25&to=9999-12-31&by=week",
            None,
            400,
        ),
        (
            "GET",
            "/api/dashboard/conversations",
            "/api/dashboard/conversations?from=0001-01-01&to=0001-01-02",
            None,
            400,
        ),
        # Lone surrogates in JSON bodies.
        (
            "POST",
            "/api/login",
            "/api/login",
            f'{{"username": "ada", "password": {_SURROGATE}}}',
            400,
        ),
        (
            "POST",
            "/api/handoffs/{id}/messages",
            "/api/handoffs/x/messages",
            f'{{"text": {_SURROGATE}}}',
            400,
        ),
        (
            "POST",
            "/api/handoffs/{id}/transfer",
            "/api/handoffs/x/transfer",
            f'{{"agent": {_SURROGATE}}}',
            400,
        ),
        (
            "POST",
            "/api/complaints/{reference}/resolve",
            "/api/complaints/C-1/resolve",
            f'{{"note": {_SURROGATE}}}',
            400,
        ),
        (
            "POST",
            "/api/followups/{id}/done",
            "/api/followups/x/done",
            f'{{"note": {_SURROGATE}}}',
            400,
        ),
    ],
)
def test_hostile_input_gets_a_documented_json_answer(
    settings, parts, method, operation, target, body, expected
):
    """Inputs that once made the API answer 500 (schemathesis rarely generates them)."""
    document = openapi_document()
    app = _app(settings, parts)

    async def ask() -> tuple[int, str]:
        async with TestClient(TestServer(app)) as client:
            signed_in = await client.post(
                "/api/login", json={"username": "ada", "password": PASSWORD}
            )
            token = (await signed_in.json())["token"]
            reply = await client.request(
                method,
                target,
                data=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            return reply.status, reply.content_type

    status, content_type = asyncio.run(ask())

    documented = document["paths"][operation][method.lower()]["responses"]
    assert (status, content_type) == (expected, "application/json")
    assert str(status) in documented


def test_schemathesis_finds_no_server_error_and_nothing_undocumented(
    settings, parts, tools, tmp_path
):
    handoffs = [waiting_customer(parts, "c1"), waiting_customer(parts, "c2", priority="high")]
    complaint, followup = _aftercare(parts)
    assert parts.review is not None
    assert parts.review().mine().new_items >= 1
    # Generated ids are almost never real ones: half the time, one that is.
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        _toml_dictionaries(
            ids=[*handoffs, followup, "1", "2", "c1"],
            references=[complaint, "c-1"],
            agents=["anna", "ben", "lea", "ada"],
        )
    )
    _, document, _ = _served_document(settings, parts)
    # st leaves out the document's own route (the fast test above reads it).
    tested = {(m, p) for m, p in _operations(document) if p not in [*EXCLUDED, PATH]}

    async def run() -> tuple[int, str]:
        async with TestServer(_app(settings, parts), host="127.0.0.1") as server:
            async with aiohttp.ClientSession() as http:
                reply = await http.post(
                    server.make_url("/api/login"), json={"username": "ada", "password": PASSWORD}
                )
                token = (await reply.json())["token"]
            command = [
                str(tools / "st"),
                "--config-file",
                str(config),
                "run",
                str(server.make_url(PATH)),
                "--checks",
                ",".join(CHECKS),
                "--header",
                f"Authorization: Bearer {token}",
                "--max-examples",
                str(EXAMPLES),
                "--seed",
                str(SEED),
                "--generation-database",
                "none",
                "--workers",
                "2",
                "--no-color",
                *[option for path in EXCLUDED for option in ("--exclude-path", path)],
            ]
            # Its own process, awaited here: the web app keeps serving on this event loop.
            st = await asyncio.create_subprocess_exec(
                *command,
                cwd=tmp_path,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            output, _ = await asyncio.wait_for(st.communicate(), timeout=600)
            assert st.returncode is not None
            return st.returncode, output.decode(errors="replace")

    returncode, output = asyncio.run(run())

    assert returncode == 0, output[-20000:]
    assert f"Tested: {len(tested)}\n" in output, output[-20000:]


def _aftercare(parts: DeskParts) -> tuple[str, str]:
    """An open complaint and an open follow-up: their reference and id."""
    assert parts.complaints is not None and parts.followups is not None
    complaint, _ = parts.complaints.open(
        "c1",
        channel="socketio",
        priority="high",
        reason="complaint",
        message="my parcel never came",
        transcript=[],
        first_response_due=OPEN_TIME,
        resolution_due=None,
        now=OPEN_TIME,
    )
    followup = parts.followups.open(
        "c2",
        channel="socketio",
        reason="low satisfaction score (1/5)",
        score=1,
        comment="useless",
        stage="bot",
        agent=None,
        now=OPEN_TIME,
    )
    return complaint.reference, followup.id


def _toml_dictionaries(*, ids: list[str], references: list[str], agents: list[str]) -> str:
    """A schemathesis configuration: ids, references and the agent to transfer to are drawn
    from these real ones half the time."""
    return (
        f"[dictionaries.ids]\nvalues = {json.dumps(ids)}\n\n"
        f"[dictionaries.references]\nvalues = {json.dumps(references)}\n\n"
        f"[dictionaries.agents]\nvalues = {json.dumps(agents)}\n\n"
        "[parameters]\n"
        '"path.id" = { dictionary = "ids", probability = 0.5 }\n'
        '"path.reference" = { dictionary = "references", probability = 0.5 }\n'
        '"body.agent" = { dictionary = "agents", probability = 0.5 }\n'
    )
