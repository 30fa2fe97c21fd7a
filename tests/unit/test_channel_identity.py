"""Conversation ids are namespaced by channel (``bot.rasa_server.channels.identity``)."""

from __future__ import annotations

import pytest

from bot.rasa_server.channels.identity import (
    MAX_REST_SENDER,
    rest_sender_problem,
    slack_conversation_id,
    slack_recipient,
)


@pytest.mark.parametrize(
    ("sender", "allowed"),
    [
        ("e2e-1234", True),
        ("customer 42 (crm)", True),
        ("x" * MAX_REST_SENDER, True),
        ("0123456789abcdef0123456789abcdef", False),  # a widget conversation
        ("slack-U0123ABC", False),  # a Slack conversation
        ("", False),
        ("   ", False),
        ("x" * (MAX_REST_SENDER + 1), False),
        ("line\nbreak", False),
        (None, False),
        (42, False),
        (["e2e"], False),
    ],
)
def test_rest_may_name_only_its_own_conversations(sender, allowed):
    assert (rest_sender_problem(sender) is None) is allowed


def test_slack_conversations_live_in_their_own_namespace():
    conversation = slack_conversation_id("U0123ABC_C0456_1700000000.0001")

    assert conversation == "slack-U0123ABC_C0456_1700000000.0001"
    assert rest_sender_problem(conversation) is not None
    assert slack_recipient(conversation) == "U0123ABC"
    assert slack_recipient(slack_conversation_id("U0123ABC")) == "U0123ABC"
