"""``python -m bot.web``: run the web service (started by ``supportbot run``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from aiohttp import web

from bot.business import load_business_facts
from bot.desk.assist import ArticleSuggestions
from bot.desk.canned import CannedReplies
from bot.desk.desk import SupportDesk
from bot.desk.duty import Duty
from bot.desk.feed import DeskFeed
from bot.desk.files import ChatFiles
from bot.desk.slack_notice import SlackAgentNotice
from bot.errors import SupportBotError
from bot.heap import freeze_loaded
from bot.services import Services
from bot.settings import Settings
from bot.storage.leases import SqlLeases
from bot.web.access_log import PrivateAccessLogger
from bot.web.app import DeskParts, create_app


def slack_notice(settings: Settings) -> SlackAgentNotice | None:
    """Waiting customers announced in Slack, when an agent channel is configured."""
    slack = settings.slack
    if slack is None or not slack.agent_channel:
        return None
    return SlackAgentNotice(
        slack.bot_token,
        slack.agent_channel,
        api_url=slack.api_url,
        console_url=settings.console_url,
    )


def desk_parts(services: Services) -> DeskParts:
    """The support desk on the installation's databases and Rasa server."""
    settings = services.settings
    accounts = services.accounts()
    desk = SupportDesk(
        services.handoff_queue,
        services.conversation_store(),
        services.outbox(),
        services.outbox_delivery(),
        services.customer_activity(),
        facts=services.business_facts,
        clock=services.clock,
        slack=settings.slack,
        complaints=services.complaints,
        assist=ArticleSuggestions(lambda: services.searcher),
    )
    return DeskParts(
        accounts=accounts,
        desk=desk,
        files=ChatFiles(desk, services.attachments(), clock=services.clock),
        feed=DeskFeed(
            desk,
            slack_notice=slack_notice(settings),
            followups=services.followups,
            duty=Duty(SqlLeases(services.database_url)),
            notices=services.slack_event_log(),
            broker_url=settings.broker_url,
        ),
        canned=CannedReplies(settings.canned_replies_file, services.business_facts),
        clock=services.clock,
        review=services.review_workflow,
        complaints=services.complaints,
        followups=services.followups,
        reports=services.scheduled_reports(),
        dashboard=services.dashboard(),
        zone=lambda: services.business_facts().hours.zone,
        customer_data=services.customer_data(),
        audit=services.audit_log(),
    )


#: Seconds open requests (a console's live feed) get to finish when the service stops.
SHUTDOWN_SECONDS = 3.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.web", description="Run the web service.")
    parser.add_argument("--port", type=int, help="default: SUPPORTBOT_WEB_PORT or 8000")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        facts = load_business_facts(settings.business_facts_file)
        services = Services(settings)
        services.prepare_database()
    except SupportBotError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  -> {exc.hint}", file=sys.stderr)
        return 2
    app = create_app(
        settings,
        store=services.conversation_store(),
        company=facts.company_name,
        desk=desk_parts(services),
    )
    freeze_loaded()
    web.run_app(
        app,
        host=settings.host,
        port=args.port or settings.web_port,
        print=None,
        access_log_class=PrivateAccessLogger,
        # aiohttp waits this long for every task before the clean-up that stops the desk's
        # own (endless) loops: its default of 60 s outlasted every stop (SIGKILL; the lease
        # was left to expire).
        shutdown_timeout=SHUTDOWN_SECONDS,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
