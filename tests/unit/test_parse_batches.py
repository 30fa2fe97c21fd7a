"""Messages that reach the Rasa server together are parsed in one run of the NLU graph."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.engine.constants import PLACEHOLDER_MESSAGE
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_server import parse_batches


class Runner:
    """Rasa's graph runner for the NLU: one intent per text; "boom" breaks the whole run."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []

    def run(self, inputs: dict[str, Any], targets: list[str]) -> dict[str, list[Message]]:
        texts = [m.text for m in inputs[PLACEHOLDER_MESSAGE]]
        self.runs.append(texts)
        if "boom" in texts:
            raise ValueError("a component failed")
        parsed = [
            Message(
                data={TEXT: text, INTENT: {"name": f"intent of {text}", "confidence": 0.9}},
                output_properties={TEXT, INTENT},
            )
            for text in texts
        ]
        return {targets[0]: parsed}


class Processor:
    def __init__(self) -> None:
        self.graph_runner = Runner()
        self.model_metadata = SimpleNamespace(nlu_target="nlu")
        self.http_interpreter = None
        self.handled: list[UserMessage] = []

    def _update_full_retrieval_intent(self, parse_data: dict[str, Any]) -> None:
        parse_data["updated"] = True

    def _check_for_unseen_features(self, parse_data: dict[str, Any]) -> None:
        pass

    async def handle_message(self, message: UserMessage) -> list[dict[str, Any]]:
        self.handled.append(message)  # Rasa parses a message without parse data itself
        return []


def agent() -> Agent:
    served = Agent.__new__(Agent)  # only what handle_message reads
    served.processor = Processor()  # type: ignore[assignment]
    served.lock_store = InMemoryLockStore()
    served.tracker_store = InMemoryTrackerStore(Domain.empty())
    return served


def handle_together(served: Agent, texts: list[str]) -> list[UserMessage]:
    messages = [UserMessage(text, sender_id=f"customer-{i}") for i, text in enumerate(texts)]

    async def all_at_once() -> None:
        await asyncio.gather(*(parse_batches.handle_message(served, m) for m in messages))

    asyncio.run(all_at_once())
    return messages


def test_messages_arriving_together_are_parsed_in_one_run():
    served = agent()

    messages = handle_together(served, ["hi", "where is my order", "refund please"])

    assert served.processor.graph_runner.runs == [["hi", "where is my order", "refund please"]]
    for message in messages:
        assert message.parse_data is not None
        assert message.parse_data[TEXT] == message.text
        assert message.parse_data[INTENT]["name"] == f"intent of {message.text}"
        assert message.parse_data["updated"]  # what Rasa's parse_message adds is added
    assert served.processor.handled == messages  # then each goes on as before


def test_a_message_alone_is_parsed_alone():
    served = agent()

    handle_together(served, ["hi"])
    handle_together(served, ["thanks"])

    assert served.processor.graph_runner.runs == [["hi"], ["thanks"]]


def test_a_long_group_is_split():
    served = agent()
    texts = [f"question {i}" for i in range(parse_batches.MOST + 3)]

    handle_together(served, texts)

    assert [len(run) for run in served.processor.graph_runner.runs] == [parse_batches.MOST, 3]


def test_when_a_group_fails_rasa_parses_each_message_itself():
    served = agent()

    messages = handle_together(served, ["hi", "boom", "where is my order"])

    assert all(message.parse_data is None for message in messages)
    assert served.processor.handled == messages


def test_a_message_with_parse_data_is_not_parsed_again():
    served = agent()
    message = UserMessage("/affirm", sender_id="customer")
    message.parse_data = {"text": "/affirm", "intent": {"name": "affirm"}}

    asyncio.run(parse_batches.handle_message(served, message))

    assert served.processor.graph_runner.runs == []
    assert message.parse_data["intent"]["name"] == "affirm"


def test_while_another_message_is_handled_a_message_waits_for_those_arriving_soon_after():
    served = agent()
    processor = served.processor
    release = asyncio.Event()
    busy = UserMessage("a message past its parse", sender_id="other")
    busy.parse_data = {"text": busy.text, "intent": {"name": "x"}}

    async def handle_slowly(message: UserMessage) -> list[dict[str, Any]]:
        if message is busy:
            await release.wait()  # say, waiting for the action server
        processor.handled.append(message)
        return []

    processor.handle_message = handle_slowly  # type: ignore[method-assign]
    first = UserMessage("where is my order", sender_id="customer-1")
    second = UserMessage("refund please", sender_id="customer-2")

    async def scenario() -> None:
        in_flight = asyncio.create_task(parse_batches.handle_message(served, busy))
        await asyncio.sleep(0)
        one = asyncio.create_task(parse_batches.handle_message(served, first))
        for _ in range(5):  # a few turns of the loop later
            await asyncio.sleep(0)
        two = asyncio.create_task(parse_batches.handle_message(served, second))
        await asyncio.gather(one, two)
        release.set()
        await in_flight

    asyncio.run(scenario())

    assert processor.graph_runner.runs == [["where is my order", "refund please"]]


def test_a_message_whose_agent_loaded_another_model_meanwhile_is_parsed_by_rasa():
    served = agent()
    old = served.processor
    new = Processor()

    def run_then_replace(inputs: dict[str, Any], targets: list[str]) -> dict[str, list[Message]]:
        result = Runner.run(old.graph_runner, inputs, targets)
        served.processor = new  # type: ignore[assignment]  # a model loaded meanwhile
        return result

    old.graph_runner.run = run_then_replace  # type: ignore[method-assign]

    [message] = handle_together(served, ["where is my order"])

    assert message.parse_data is None  # the new model parses it itself
    assert new.handled == [message]


def test_a_group_left_waiting_by_an_event_loop_that_ended_does_not_hold_up_the_next():
    served = agent()
    groups = parse_batches.ParseGroups(served)
    served.__dict__["_parse_groups"] = groups

    async def left_waiting() -> None:
        groups.handling += 2  # another message is being handled: this one would wait
        asyncio.get_running_loop().create_task(groups.parse(UserMessage("hi", sender_id="a")))
        await asyncio.sleep(0)  # the loop ends before its group runs

    asyncio.run(left_waiting())
    groups.handling = 0

    async def next_message() -> None:
        message = UserMessage("where is my order", sender_id="b")
        await asyncio.wait_for(parse_batches.handle_message(served, message), timeout=5)
        assert message.parse_data is not None

    asyncio.run(next_message())
