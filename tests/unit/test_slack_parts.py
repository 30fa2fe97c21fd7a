from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.attachments import MAX_BYTES, AttachmentError
from bot.desk.slack_notice import notice_text
from bot.errors import ConfigurationError
from bot.handoff.lifecycle import Status
from bot.handoff.model import Handoff
from bot.rasa_server.channels.slack_files import SlackFiles
from bot.settings import Settings
from bot.slack_format import BUTTON_TEXT_MAX, button_blocks, escape, to_mrkdwn
from bot.storage.attachments import SqlAttachments
from bot.storage.handoffs import SqlHandoffQueue
from bot.storage.slack_events import RETENTION_SECONDS, SqlSlackEventLog
from tests.conftest import OPEN_TIME


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Go to **My account → Orders**.", "Go to *My account → Orders*."),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<!channel> & <@U123>", "&lt;!channel&gt; &amp; &lt;@U123&gt;"),
        (
            "More: https://fernhill.example/help?a=1&b=2",
            "More: https://fernhill.example/help?a=1&amp;b=2",
        ),
    ],
)
def test_replies_become_escaped_slack_mrkdwn(text, expected):
    assert to_mrkdwn(text) == expected


def test_escape_handles_ampersands_first():
    assert escape("&lt;") == "&amp;lt;"


def test_any_number_of_buttons_is_kept_with_long_titles_shortened():
    buttons = [{"title": f"Question {i} " + "x" * 100, "payload": f"/p{i}"} for i in range(30)]

    blocks = button_blocks("Which one?", buttons)

    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    labels = [e["text"]["text"] for a in actions for e in a["elements"]]
    assert all(len(label) <= BUTTON_TEXT_MAX for label in labels)
    assert blocks[0]["text"] == {"type": "mrkdwn", "text": "Which one?"}


def test_a_delivery_is_handled_once_and_forgotten_after_a_day(database_url):
    log = SqlSlackEventLog(database_url)

    assert log.first_time("message:C1:1.0", now=1000.0) is True
    assert log.first_time("message:C1:1.0", now=1001.0) is False
    assert SqlSlackEventLog(database_url).first_time("message:C1:1.0", now=1002.0) is False

    later = 1000.0 + RETENTION_SECONDS + 10
    log.first_time("other", now=later)  # pruning happens on writes
    assert log.first_time("message:C1:1.0", now=later) is True


def test_slack_is_off_unless_both_secrets_are_set(tmp_path):
    assert Settings.from_env({"SUPPORTBOT_HOME": str(tmp_path)}).slack is None
    with pytest.raises(ConfigurationError, match="must be set together"):
        Settings.from_env({"SUPPORTBOT_HOME": str(tmp_path), "SUPPORTBOT_SLACK_BOT_TOKEN": "x"})


def test_slack_settings_are_read_and_checked(tmp_path):
    env = {
        "SUPPORTBOT_HOME": str(tmp_path),
        "SUPPORTBOT_SLACK_BOT_TOKEN": "xoxb-1",
        "SUPPORTBOT_SLACK_SIGNING_SECRET": "s",
        "SUPPORTBOT_SLACK_USE_THREADS": "false",
        "SUPPORTBOT_SLACK_CONVERSATION_GRANULARITY": "thread",
    }
    slack = Settings.from_env(env).slack

    assert (slack.use_threads, slack.conversation_granularity, slack.api_url) == (
        False,
        "thread",
        "https://slack.com/api/",
    )
    with pytest.raises(ConfigurationError, match="GRANULARITY"):
        Settings.from_env({**env, "SUPPORTBOT_SLACK_CONVERSATION_GRANULARITY": "team"})


def test_the_agent_channel_notice_escapes_the_reason_and_flags_upset_customers():
    handoff = Handoff(
        id="h1",
        conversation_id="c1",
        channel="socketio",
        status=Status.QUEUED,
        priority="high",
        reason="<!channel> angry & stuck",
        requested_at=OPEN_TIME,
        waiting_since=OPEN_TIME,
    )

    text = notice_text(handoff, 2, "https://desk.example/console")

    assert text.startswith("*:rotating_light: An upset customer is waiting* (website chat, #2 in")
    assert "&lt;!channel&gt; angry &amp; stuck" in text and "<!channel>" not in text
    assert text.endswith("<https://desk.example/console|Open the agent console> to claim it.")


def test_the_agent_channel_notice_says_the_customers_language():
    handoff = Handoff(
        id="h2",
        conversation_id="c2",
        channel="slack",
        status=Status.QUEUED,
        priority="normal",
        reason="asked for a person",
        requested_at=OPEN_TIME,
        waiting_since=OPEN_TIME,
        language="it",
    )

    assert notice_text(handoff, 1, "https://desk.example/console").startswith(
        "*A customer is waiting* (Slack, writes Italian, #1 in the queue): asked for a person"
    )
    # English, the team's own language, goes without saying.
    english = dataclasses.replace(handoff, language="en")
    assert notice_text(english, 1, "https://desk.example/console").startswith(
        "*A customer is waiting* (Slack, #1 in the queue): asked for a person"
    )


def test_the_agent_channel_is_read_from_the_environment(tmp_path):
    env = {
        "SUPPORTBOT_HOME": str(tmp_path),
        "SUPPORTBOT_SLACK_BOT_TOKEN": "xoxb-1",
        "SUPPORTBOT_SLACK_SIGNING_SECRET": "s",
        "SUPPORTBOT_SLACK_AGENT_CHANNEL": "CTEAM",
        "SUPPORTBOT_PUBLIC_WEB_URL": "https://desk.example/",
    }
    settings = Settings.from_env(env)

    assert settings.slack is not None and settings.slack.agent_channel == "CTEAM"
    assert settings.console_url == "https://desk.example/console"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/files/zip.png",  # not Slack's: the bot's token never goes there
        "http://files.slack.com/files-pri/T1/zip.png",  # Slack, but not over https
        "file:///etc/passwd",
        "https://169.254.169.254/latest/meta-data",
        "",
    ],
)
def test_a_slack_customers_file_is_downloaded_only_from_slack(desk_url, url):
    files = SlackFiles(
        SqlAttachments(desk_url),
        SqlHandoffQueue(desk_url),
        token="xoxb-secret",
        api_url="https://slack.com/api/",
    )
    with pytest.raises(AttachmentError, match="could not be read from Slack"):
        asyncio.run(files._download({"name": "zip.png", "url_private_download": url}))


def test_a_slack_file_said_to_be_too_large_is_not_downloaded(desk_url):
    files = SlackFiles(
        SqlAttachments(desk_url),
        SqlHandoffQueue(desk_url),
        token="x",
        api_url="https://slack.com/api/",
    )
    shared = {"size": MAX_BYTES + 1, "url_private_download": "https://files.slack.com/f/zip.png"}
    with pytest.raises(AttachmentError, match="too large"):
        asyncio.run(files._download(shared))
