"""The review inbox's API: leads only, masked groups, decisions written and audited."""

from __future__ import annotations

import asyncio
import dataclasses

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.web.review_api import add_review_api
from tests.unit.test_agent_api import parts, session  # noqa: F401 - fixture
from tests.unit.test_review_labelling import (  # noqa: F401 - fixtures
    home,
    workflow,
    wrong_answers,
)


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


def test_a_lead_sees_wrong_answers_and_marks_the_article_as_needing_work(
    settings,
    parts,  # noqa: F811
    wrong_answers,  # noqa: F811
):
    parts = dataclasses.replace(parts, review=lambda: wrong_answers)

    async def script(client, login):
        lead = await login("lea")
        await client.post("/api/review/mine", headers=lead)
        items = (await (await client.get("/api/review/items", headers=lead)).json())["items"]
        top = await (await client.get(f"/api/review/items/{items[0]['id']}", headers=lead)).json()
        decided = await client.post(
            f"/api/review/items/{top['id']}/decision",
            json={"action": "article_needs_work"},
            headers=lead,
        )
        unnamed = await client.post(
            f"/api/review/items/{items[1]['id']}/decision",
            json={"action": "article_needs_work"},
            headers=lead,
        )
        articles = await (await client.get("/api/review/articles", headers=lead)).json()
        audit = (await (await client.get("/api/review/audit", headers=lead)).json())["audit"]
        agent = await login("anna")
        forbidden = await client.get("/api/review/articles", headers=agent)
        return items, top, decided.status, await decided.json(), unnamed, articles, audit, forbidden

    items, top, status, detail, unnamed, articles, audit, forbidden = session(
        settings, parts, script
    )
    assert items[0]["wrong_answers"] == {"returns-sale-items": 2}
    assert items[0]["wrongly_answered_with"] == "returns-sale-items"
    assert (top["wrongly_answered_with"], items[1]["wrongly_answered_with"]) == (
        "returns-sale-items",
        None,
    )
    assert [m["answered_article"] for m in top["messages"]] == ["returns-sale-items"] * 2
    assert "answered_wrongly" in top["messages"][0]["signals"]
    assert status == 200 and detail["decision"]["article"] == "returns-sale-items"
    assert detail["written"] == {} and detail["wrong_answers"] == 2
    assert unnamed.status == 400  # the unsure group was never answered from the articles
    (article,) = articles["articles"]
    assert (article["article"], article["wrong_answers"], article["marked_by"]) == (
        "returns-sale-items",
        2,
        "lea",
    )
    assert audit[0]["action"] == "article_needs_work"
    assert forbidden.status == 403


def test_a_lead_lists_the_groups_of_one_language(settings, parts, workflow):  # noqa: F811
    parts = dataclasses.replace(parts, review=lambda: workflow)

    async def script(client, login):
        lead = await login("lea")
        await client.post("/api/review/mine", headers=lead)
        listed = {}
        for language in ("", "en", "it"):
            reply = await client.get(f"/api/review/items?language={language}", headers=lead)
            listed[language] = [item["language"] for item in (await reply.json())["items"]]
        wrong = await client.get("/api/review/items?language=<b>", headers=lead)
        return listed, wrong.status, await wrong.json()

    listed, status, error = session(settings, parts, script)
    # The fixture's messages carry no language reading: their groups count as English.
    assert listed[""] == listed["en"] == [None, None]
    assert listed["it"] == []
    assert status == 400 and "language code" in error["error"]
