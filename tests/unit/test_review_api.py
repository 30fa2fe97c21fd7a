"""The review inbox's API: leads only, masked groups, decisions written and audited."""

from __future__ import annotations

import asyncio
import dataclasses

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.web.review_api import add_review_api
from tests.unit.test_agent_api import parts, session  # noqa: F401 - fixture
from tests.unit.test_review_labelling import home, workflow  # noqa: F401 - fixtures


def test_only_leads_review_and_a_decision_is_written_and_audited(settings, parts, workflow, home):  # noqa: F811
    parts = dataclasses.replace(parts, review=lambda: workflow)

    async def script(client, login):
        anonymous = await client.get("/api/review/items")  # before any sign-in cookie
        agent = await login("anna")
        forbidden = await client.get("/api/review/items", headers=agent)
        lead = await login("lea")
        mined = await (await client.post("/api/review/mine", headers=lead)).json()
        items = (await (await client.get("/api/review/items", headers=lead)).json())["items"]
        top = await (await client.get(f"/api/review/items/{items[0]['id']}", headers=lead)).json()
        choices = await (await client.get("/api/review/choices", headers=lead)).json()
        bad = await client.post(
            f"/api/review/items/{top['id']}/decision", json={"action": "burn"}, headers=lead
        )
        decided = await client.post(
            f"/api/review/items/{top['id']}/decision",
            json={"action": "intent", "intent": "ask_shipping"},
            headers=lead,
        )
        again = await client.post(
            f"/api/review/items/{top['id']}/decision", json={"action": "ignore"}, headers=lead
        )
        audit = (await (await client.get("/api/review/audit", headers=lead)).json())["audit"]
        missing = await client.get("/api/review/items/999", headers=lead)
        return (
            forbidden.status,
            anonymous.status,
            mined,
            top,
            choices,
            bad.status,
            decided.status,
            await decided.json(),
            again.status,
            audit,
            missing.status,
        )

    (
        forbidden, anonymous, mined, top, choices, bad, status, detail, again, audit, missing
    ) = session(settings, parts, script)  # fmt: skip
    assert (forbidden, anonymous) == (403, 401)
    assert mined["new_messages"] == 5
    texts = " ".join(m["text"] for m in top["messages"])
    assert "[NAME]" in texts and "[EMAIL]" in texts and "example.com" not in texts
    assert "ask_shipping" in choices["intents"]
    assert any(a["id"] == "orders-cancel" for a in choices["articles"])
    assert (bad, status, again, missing) == (400, 200, 409, 404)
    assert "data/nlu/shipping.yml" in detail["written"]
    assert audit[0]["actor"] == "lea" and audit[0]["detail"]["decision"]["intent"] == "ask_shipping"
    assert (
        "- " + detail["written"]["data/nlu/shipping.yml"][0]
        in (home / "data" / "nlu" / "shipping.yml").read_text()
    )


def test_the_web_service_mines_by_itself(workflow):  # noqa: F811
    async def run() -> int:
        app = web.Application()
        add_review_api(app, workflow=lambda: workflow, mine_every=0.05)
        async with TestServer(app):
            for _ in range(200):
                await asyncio.sleep(0.05)
                found = await asyncio.to_thread(workflow.inbox.items)
                if found:
                    return len(found)
        return 0

    assert asyncio.run(run()) > 0
