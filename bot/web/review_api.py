"""The review inbox's API under ``/api/review`` (support leads and admins only).

Same sign-in as the agent API (bearer token or the console's cookie + CSRF header); an agent
without the lead role gets **403**. The console's review page (``/console/review.html``) uses
it; the command line (``supportbot review``) does the same on the same database.

* ``GET /api/review/items?status=open|decided|ignored|all[&language=it]`` → ``{"items": [...]}``
  (each group holds one language: ``language``), highest
  impact first (masked text, size, signals, the model's guess, the suggestion, the articles
  the bot answered the group wrongly with: ``wrong_answers``).
* ``GET /api/review/items/{id}`` → one group with its masked messages (each with the article
  the bot answered it with, if it did: ``answered_article``).
* ``POST /api/review/items/{id}/decision {action, intent?, topic?, article?}`` with
  ``action`` one of ``accept, intent, new_intent, faq_variant, ignore, article_needs_work``
  → what was written (``article_needs_work`` writes nothing: it marks the article the bot
  answered the group wrongly with, or the one named, as needing work).
* ``GET /api/review/articles`` → ``{"articles": [...]}``: the articles marked as needing work,
  with their wrong answers.
* ``POST /api/review/mine`` → look for new messages now (``scanned_to, candidates, ...``).
* ``GET /api/review/choices`` → the intents and articles a group can be labelled as.
* ``GET /api/review/audit`` → who decided what, newest first.

The web service also mines by itself every 15 minutes (``MINE_EVERY``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.accounts import Role, Session
from bot.knowledge.articles import load_articles
from bot.review.inbox import ReviewItemNotFoundError
from bot.review.training_data import TrainingDataError
from bot.review.workflow import Decision, ReviewWorkflow
from bot.web.agent_api import SESSION_KEY

logger = logging.getLogger(__name__)

STATUSES = ("open", "decided", "ignored", "all")
#: The web service also looks for new messages by itself this often (seconds).
MINE_EVERY = 15 * 60
#: The largest id a review item can have (PostgreSQL's integer).
MAX_ID = 2**31 - 1


def add_review_api(
    app: web.Application,
    *,
    workflow: Callable[[], ReviewWorkflow],
    mine_every: float | None = MINE_EVERY,
    on_duty: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """Routes for the review inbox; ``workflow`` is built on first use (it loads models).

    With ``mine_every``, new messages reach the inbox by themselves: a background task
    mines every ``mine_every`` seconds (a lead can also ask for it at once); with several
    web processes, only the one ``on_duty`` does.
    """
    built = functools.cache(workflow)
    mining = asyncio.Lock()

    async def mine_regularly(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            assert mine_every is not None
            while True:
                await asyncio.sleep(mine_every)
                try:
                    if on_duty is not None and not await on_duty():
                        continue
                    async with mining:
                        result = await asyncio.to_thread(built().mine)
                    logger.info("review inbox: %s", result.to_json())
                except Exception:  # the next round tries again; the API stays up
                    logger.exception("mining the review inbox failed")

        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    if mine_every is not None:
        app.cleanup_ctx.append(mine_regularly)

    def lead(request: web.Request) -> Session:
        session: Session = request[SESSION_KEY]
        if not session.agent.role.can(Role.LEAD):
            raise web.HTTPForbidden(
                text='{"error": "the review inbox is for support leads"}',
                content_type="application/json",
            )
        return session

    async def items(request: web.Request) -> web.Response:
        lead(request)
        status = request.query.get("status", "open")
        if status not in STATUSES:
            return web.json_response({"error": f"status: one of {', '.join(STATUSES)}"}, status=400)
        language = request.query.get("language") or None
        if language is not None and not re.fullmatch(r"[a-z]{2,3}", language):
            return web.json_response(
                {"error": 'language: a language code, like "en" or "it"'}, status=400
            )
        found = await asyncio.to_thread(
            built().inbox.items,
            status=None if status == "all" else status,
            limit=200,
            language=language,
        )
        return web.json_response({"items": [item.to_json() for item in found]})

    async def item(request: web.Request) -> web.Response:
        lead(request)
        try:
            found = await asyncio.to_thread(built().inbox.item, _item_id(request))
        except ReviewItemNotFoundError as exc:
            return web.json_response({"error": exc.message}, status=404)
        return web.json_response(found.to_json())

    async def decide(request: web.Request) -> web.Response:
        session = lead(request)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "the body must be JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "the body must be a JSON object"}, status=400)
        try:
            decision = Decision.from_json(body)
            detail = await asyncio.to_thread(
                built().decide, _item_id(request), decision, actor=session.agent.name
            )
        except ReviewItemNotFoundError as exc:
            return web.json_response({"error": exc.message}, status=409)
        except TrainingDataError as exc:
            message = exc.message + (f" ({exc.hint})" if exc.hint else "")
            return web.json_response({"error": message}, status=400)
        return web.json_response(detail)

    async def mine(request: web.Request) -> web.Response:
        lead(request)
        async with mining:  # one mining run at a time
            result = await asyncio.to_thread(built().mine)
        return web.json_response(result.to_json())

    async def choices(request: web.Request) -> web.Response:
        lead(request)
        return web.json_response(await asyncio.to_thread(_choices, built()))

    async def audit(request: web.Request) -> web.Response:
        lead(request)
        return web.json_response({"audit": await asyncio.to_thread(built().inbox.audit)})

    async def articles(request: web.Request) -> web.Response:
        lead(request)
        found = await asyncio.to_thread(built().articles_needing_work)
        return web.json_response({"articles": [article.to_json() for article in found]})

    app.router.add_get("/api/review/items", items)
    app.router.add_get("/api/review/items/{id}", item)
    app.router.add_post("/api/review/items/{id}/decision", decide)
    app.router.add_post("/api/review/mine", mine)
    app.router.add_get("/api/review/choices", choices)
    app.router.add_get("/api/review/audit", audit)
    app.router.add_get("/api/review/articles", articles)


def _item_id(request: web.Request) -> int:
    try:
        item_id = int(request.match_info["id"])
    except ValueError:
        item_id = 0
    if not 0 < item_id <= MAX_ID:  # not a number, or beyond the database's integers
        raise web.HTTPNotFound(
            text='{"error": "no such review item"}', content_type="application/json"
        )
    return item_id


def _choices(workflow: ReviewWorkflow) -> dict[str, Any]:
    try:
        articles = load_articles(workflow.kb_dir)
    except Exception as exc:  # a broken article must not hide the intents
        logger.warning("review choices without articles: %s", exc)
        articles = []
    return {
        "intents": sorted(workflow.project.examples()),
        "articles": [{"id": a.id, "question": a.question} for a in articles],
    }
