"""``python -m actions``: the action server, started after checking it can do its job.

Before serving, it checks that the knowledge-base index exists and matches the knowledge base
and the embedding model, and that the business facts load — a missing or stale index stops it
with a message naming the command that builds it. Then it loads the model and the index, so the
first customer does not wait for them, and serves rasa-sdk's webhook to callers with the token
Rasa is given (``SUPPORTBOT_ACTIONS_TOKEN``, or one kept under ``var/secrets``). A long
conversation's call carries only its latest events: the earlier ones are put back before the
action runs (``put_back_earlier_events``).
"""

from __future__ import annotations

import argparse
import functools
import hmac
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bot.conversations.window import EarlierEvents
from bot.errors import SupportBotError
from bot.heap import freeze_loaded
from bot.services import Services, services_for
from bot.settings import OFFLINE_ENVIRONMENT, Settings
from bot.wrapping import wrap_once


def main(argv: Sequence[str] | None = None) -> int:
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    parser = argparse.ArgumentParser(
        prog="python -m actions", description="Run supportbot's action server."
    )
    parser.add_argument("--port", type=int, help="default: SUPPORTBOT_ACTIONS_PORT or 5055")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        services_for(settings).warm_up()  # the same instance the actions will use
        freeze_loaded()
    except SupportBotError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  -> {exc.hint}", file=sys.stderr)
        return 2

    serve(settings, port=args.port or settings.actions_port)
    return 0


def serve(settings: Settings, *, port: int) -> None:
    """rasa-sdk's action server (as its ``run`` starts it), answering only calls that carry the
    token Rasa sends (``?token=``, set in endpoints.yml): its webhook runs any action for any
    conversation it is told of. ``/health`` stays open (supervisors and balancers ask it)."""
    from rasa_sdk import utils
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.plugin import plugin_manager
    from sanic import response
    from sanic.request import Request
    from sanic.response import HTTPResponse

    token = settings.actions_token or settings.stored_secret("actions_token")
    put_back_earlier_events(services_for(settings))
    app = create_app("actions", cors_origins=None)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)

    @app.middleware("request")
    async def authorised(request: Request) -> HTTPResponse | None:
        if request.path.rstrip("/") == "/health":
            return None
        if hmac.compare_digest(request.args.get("token", "").encode(), token.encode()):
            return None
        return response.json({"error": "a valid token is required (?token=...)"}, status=401)

    # On loopback unless a deployment says (SUPPORTBOT_ACTIONS_HOST).
    app.run(settings.actions_host, port, workers=utils.number_of_sanic_workers())


def put_back_earlier_events(services: Services) -> None:
    """Before an action runs, rasa-sdk's executor puts back the events Rasa left out of a long
    conversation's call (``bot.conversations.window``), from the previous call or the tracker
    store."""
    from rasa_sdk.executor import ActionExecutor

    store = services.conversation_store()
    earlier = EarlierEvents(lambda sender, limit: store.events(sender, limit=limit))

    def completing(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def run(self: ActionExecutor, action_call: dict[str, Any]) -> dict[str, Any] | None:
            tracker, sender = action_call.get("tracker"), action_call.get("sender_id")
            if isinstance(tracker, dict) and isinstance(sender, str):
                await earlier.complete(sender, tracker)
            return await original(self, action_call)

        return run

    wrap_once(ActionExecutor, "run", completing)


if __name__ == "__main__":
    sys.exit(main())
