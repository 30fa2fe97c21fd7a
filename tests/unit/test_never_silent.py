from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.rasa_server.channels.never_silent import UNAVAILABLE, never_silent
from bot.settings import Settings


def deliver(handler) -> list[dict]:
    output = CollectingOutputChannel()
    asyncio.run(handler(UserMessage("hello", output, "conversation-1")))
    return output.messages


async def replies(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, "Hi!")


async def says_nothing(message: UserMessage) -> None:
    return None


async def fails(message: UserMessage) -> None:
    raise ConnectionError("action server down")


def test_a_normal_reply_is_left_alone(settings):
    assert [m["text"] for m in deliver(never_silent(replies, settings=settings))] == ["Hi!"]


def test_silence_becomes_an_apology_with_contact_details(settings):
    [message] = deliver(never_silent(says_nothing, settings=settings))

    assert message["text"].startswith(UNAVAILABLE)
    assert "help@fernhill.example" in message["text"]
    assert message["recipient_id"] == "conversation-1"


def test_a_failure_still_gets_an_apology(settings):
    output = CollectingOutputChannel()

    with pytest.raises(ConnectionError):
        asyncio.run(never_silent(fails, settings=settings)(UserMessage("x", output, "c")))

    assert output.messages[0]["text"].startswith(UNAVAILABLE)


def test_without_business_facts_the_apology_is_generic(tmp_path):
    settings = Settings.create(home=tmp_path)

    [message] = deliver(never_silent(says_nothing, settings=settings))

    assert message["text"] == UNAVAILABLE
