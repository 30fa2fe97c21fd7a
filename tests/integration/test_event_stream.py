"""The desk hears Rasa's own pika event broker through a real RabbitMQ, and reconnects."""

from __future__ import annotations

import asyncio

import aio_pika
import rasa.shared.core.events  # noqa: F401 - the broker uses it without importing it
from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.desk import event_stream
from bot.desk.event_stream import EventStream
from bot.settings import event_broker_environment
from tests.databases import rabbitmq_url


async def until(check, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


def rasa_broker_config(url: str) -> EndpointConfig:
    """The broker as deploy/endpoints.yml configures it, from the same settings."""
    env = event_broker_environment(url)
    return EndpointConfig(
        url=env["SUPPORTBOT_RABBITMQ_ADDRESS"],
        port=int(env["SUPPORTBOT_RABBITMQ_PORT"]),
        username=env["SUPPORTBOT_RABBITMQ_USER"],
        password=env["SUPPORTBOT_RABBITMQ_PASSWORD"],
        queues=["supportbot_test_events"],
        type="pika",
    )


def test_events_rasa_publishes_name_their_conversations():
    url = rabbitmq_url()
    assert url is not None
    heard: list[str] = []

    async def script():
        stream = EventStream(url, heard.append)
        following = asyncio.create_task(stream.run())
        await until(lambda: stream.connected)
        broker = await PikaEventBroker.from_endpoint_config(rasa_broker_config(url))
        assert broker is not None
        broker.publish({"sender_id": "c1", "event": "user", "text": "hello"})
        broker.publish({"sender_id": "c2", "event": "bot", "text": "hi"})
        await until(lambda: len(heard) == 2)
        await broker.close()
        following.cancel()
        connection = await aio_pika.connect(url)  # the test's own queue is not left behind
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete("supportbot_test_events")

    asyncio.run(script())
    assert heard == ["c1", "c2"]


def test_a_lost_connection_is_noticed_and_followed_again(monkeypatch):
    url = rabbitmq_url()
    assert url is not None
    monkeypatch.setattr(event_stream, "RETRY_SECONDS", 0.1)

    async def script():
        stream = EventStream(url, lambda _: None)
        following = asyncio.create_task(stream.run())
        await until(lambda: stream.connected)
        connections = stream.connections
        await stream_connection_closed(stream)
        await until(lambda: stream.connected and stream.connections == connections + 1)
        following.cancel()
        await asyncio.gather(following, return_exceptions=True)

    asyncio.run(script())


async def stream_connection_closed(stream: EventStream) -> None:
    """Close the stream's connection under it (as a broker restart does)."""
    connection = stream._connection
    assert connection is not None
    await connection.close()
