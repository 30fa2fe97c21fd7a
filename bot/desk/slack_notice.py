"""``SlackAgentNotice``: tells the team in a Slack channel that a customer is waiting, or was
unhappy (a low satisfaction score or an angry comment: a follow-up item).

Set ``SUPPORTBOT_SLACK_AGENT_CHANNEL`` (a channel id the bot was invited to). Each customer who
joins the queue, or goes back to it because their agent left, is posted there with the reason,
priority, channel and place in the queue, and a link to the agent console. Slack being
unreachable never holds up the desk: the post is logged and skipped.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.handoff.model import Handoff
from bot.language import ENGLISH, language_name
from bot.satisfaction.followups import FollowUp
from bot.slack_format import escape

logger = logging.getLogger(__name__)

CHANNEL_NAMES = {"socketio": "website chat", "slack": "Slack", "rest": "API"}


def notice_text(handoff: Handoff, position: int | None, console_url: str) -> str:
    """The message posted for a waiting customer (Slack mrkdwn, escaped)."""
    urgent = handoff.priority == "high"
    head = ":rotating_light: An upset customer is waiting" if urgent else "A customer is waiting"
    where = CHANNEL_NAMES.get(handoff.channel, handoff.channel)
    # Said when it is not English (the bot's and, by default, every agent's language).
    other = handoff.language and handoff.language != ENGLISH
    language = f", writes {escape(language_name(handoff.language or ''))}" if other else ""
    place = f", #{position} in the queue" if position else ""
    return (
        f"*{head}* ({escape(where)}{language}{place}): {escape(handoff.reason)}\n"
        f"<{console_url}|Open the agent console> to claim it."
    )


def follow_up_text(item: FollowUp, console_url: str) -> str:
    """The message posted for an unhappy survey answer (Slack mrkdwn, escaped)."""
    where = CHANNEL_NAMES.get(item.channel, item.channel)
    who = f", with {escape(item.agent)}" if item.agent else f", {escape(item.stage)} stage"
    comment = f"\n> {escape(item.comment[:300])}" if item.comment else ""
    return (
        f"*:warning: A customer was unhappy* ({escape(where)}{who}): {escape(item.reason)}"
        f"{comment}\n<{console_url}|Open the console> to follow it up."
    )


class SlackAgentNotice:
    def __init__(self, token: str, channel: str, *, api_url: str, console_url: str) -> None:
        self.channel = channel
        self.console_url = console_url
        self._client = AsyncWebClient(token=token, base_url=api_url)

    async def waiting(self, handoff: Handoff, position: int | None) -> None:
        try:
            await self._client.chat_postMessage(
                channel=self.channel,
                text=notice_text(handoff, position, self.console_url),
                mrkdwn=True,
                unfurl_links=False,
            )
        except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as exc:
            logger.warning("could not tell Slack %s a customer waits: %s", self.channel, exc)

    async def follow_up(self, item: FollowUp) -> None:
        try:
            await self._client.chat_postMessage(
                channel=self.channel,
                text=follow_up_text(item, self.console_url),
                mrkdwn=True,
                unfurl_links=False,
            )
        except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as exc:
            logger.warning(
                "could not tell Slack %s about follow-up %s: %s", self.channel, item.id, exc
            )
