"""The team's audit log (``bot.web.audit``, ``bot.storage.audit``) through aiohttp's test
server on a real SQLite desk: who read one customer's record or changed anything, and when;
read by admins only."""

from __future__ import annotations

import dataclasses

import pytest

from bot.services import Services
from bot.storage.audit import SqlAuditLog
from bot.web.audit import worth_recording
from tests.conftest import OPEN_TIME
from tests.desk_parts import PASSWORD, desk_parts, session, waiting_customer


@pytest.fixture
def parts(settings, tmp_path):
    parts = desk_parts(settings, tmp_path)
    parts.accounts.add("ada", PASSWORD, "admin", now=OPEN_TIME)
    return dataclasses.replace(parts, audit=SqlAuditLog(Services(settings).database_url))


def test_reads_of_a_record_and_every_change_are_recorded_with_who_and_the_outcome(settings, parts):
    handoff = waiting_customer(parts, "conv-audit")

    async def script(client, login):
        anna = await login("anna")
        await client.get("/api/handoffs", headers=anna)  # a list: not recorded
        await client.get(f"/api/handoffs/{handoff}", headers=anna)
        await client.post(f"/api/handoffs/{handoff}/claim", headers=anna, json={})
        await client.post(f"/api/handoffs/{handoff}/claim", headers=anna, json={})  # 409
        await client.get("/api/handoffs/no-such-handoff?token=secret", headers=anna)
        ada = await login("ada")
        reply = await client.get("/api/audit", headers=ada)
        return await reply.json()

    entries = session(settings, parts, script)["entries"]

    seen = [(e["actor"], e["action"], e["target"], e["status"]) for e in reversed(entries)]
    assert seen == [
        ("anna", "GET", f"/api/handoffs/{handoff}", 200),
        ("anna", "POST", f"/api/handoffs/{handoff}/claim", 200),
        ("anna", "POST", f"/api/handoffs/{handoff}/claim", 409),
        ("anna", "GET", "/api/handoffs/no-such-handoff", 404),  # never a query string
    ]  # (ada's read of the log is recorded once answered)
    assert entries[0]["at"] == OPEN_TIME.isoformat()


def test_only_admins_read_the_audit_log_and_can_page_through_it(settings, parts):
    async def script(client, login):
        lead = await login("lea")
        refused = await client.get("/api/audit", headers=lead)
        ada = await login("ada")
        for _ in range(3):
            await client.get("/api/audit", headers=ada)
        first = await (await client.get("/api/audit?limit=2&actor=ada", headers=ada)).json()
        before = first["entries"][-1]["id"]
        rest = await (await client.get(f"/api/audit?before={before}", headers=ada)).json()
        bad = await client.get("/api/audit?limit=lots", headers=ada)
        return refused.status, first["entries"], rest["entries"], bad.status

    refused, first, rest, bad = session(settings, parts, script)

    assert refused == 403 and bad == 400
    assert len(first) == 2 and all(e["actor"] == "ada" for e in first)
    assert [e["actor"] for e in rest] == ["ada", "lea"]  # lea's refused read too
    assert rest[0]["id"] < first[-1]["id"]


@pytest.mark.parametrize(
    ("method", "path", "recorded"),
    [
        ("GET", "/api/handoffs", False),
        ("GET", "/api/handoffs/abc", True),
        ("GET", "/api/complaints/C-00001", True),
        ("GET", "/api/dashboard/conversations/x", True),
        ("GET", "/api/dashboard", False),
        ("GET", "/api/review/items/3", True),
        ("GET", "/api/live", True),
        ("GET", "/api/me", False),
        ("POST", "/api/presence", True),
        ("POST", "/api/login", False),  # nobody known yet
        ("GET", "/console/console.js", False),
        ("POST", "/widget/anything", False),
        ("GET", "/api/handoffs/h1/attachments/f1", True),  # a customer's file, read
        ("POST", "/api/handoffs/h1/attachments", True),
    ],
)
def test_what_is_worth_recording(method, path, recorded):
    assert worth_recording(method, path) is recorded


def test_requests_through_the_load_balancer_are_recorded_too(settings, parts):
    # Behind the balancer the web service answers a copy of each request carrying the
    # client's own address: the audit log must still see who signed in.
    behind = dataclasses.replace(settings, forwarded_by="127.0.0.1")
    handoff = waiting_customer(parts, "conv-behind")

    async def script(client, login):
        anna = {**await login("anna"), "X-Forwarded-For": "203.0.113.9"}
        await client.get(f"/api/handoffs/{handoff}", headers=anna)
        ada = await login("ada")
        return await (await client.get("/api/audit", headers=ada)).json()

    entries = session(behind, parts, script)["entries"]

    assert [(e["actor"], e["target"]) for e in entries] == [("anna", f"/api/handoffs/{handoff}")]
