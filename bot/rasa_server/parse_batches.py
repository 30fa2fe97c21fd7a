"""Customers' messages that reach the Rasa server together are read by the NLU together.

Rasa parses each message on its own, so each one costs a forward pass of the encoder and of
its tuned branches (sentiment, the knowledge base's search vector). For a message of a few
tokens that pass is mostly reading the weights, whatever the number of texts: the whole NLU
costs 15.6 ms of CPU for a message parsed alone, 5.1 ms a message in groups of four, 3.1 in
groups of eight, with the same intents (``bench/parse_groups.py``, ``parse_groups.json``).
Under load several conversations' messages are waiting on the Rasa server's event loop at
once.

``install()`` wraps ``Agent.handle_message``: before taking the conversation's lock, a message
waits for others to join it while the server is busy with other messages (``TURNS``,
``LONGEST_WAIT``), and the NLU graph runs once for the group (our components read a list of
messages: one forward pass, each branch continued once, the intent classifier once). Each
message then goes on with its own parse data, made as Rasa makes it
(``MessageProcessor._parse_message_with_graph`` and what ``parse_message`` adds, without its
debug log line); Rasa does not parse a message that has parse data. The texts of a group are
padded to the longest, so a message's scores are the same up to rounding, not bit for bit: in
float32 the sentiment's probabilities agree to five decimals, in bfloat16 to about 1e-4 (the
intents of ``bench/parse_groups.py``'s messages never changed). A message while no other is
being handled is parsed at once. The NLU reads no conversation (no component of
``config.yml`` takes the tracker), so parsing before the lock changes nothing.

If the run for a group fails (a component raising on one odd message), each message of the
group is parsed by Rasa on its own as before, so only that message meets the error. So is a
message whose agent loaded another model between its parse and its handling.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.runner.interface import GraphRunner
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT

logger = logging.getLogger(__name__)

ParseData = dict[str, Any]

#: How long a message waits for others to join it: this many turns of the event loop, at
#: most this long. It waits only while other messages are being handled; a message alone is
#: parsed at once. A turn runs whatever work is ready: when the other messages are waiting
#: for the action server or the database, the turns take microseconds, and when the server
#: is busy, each is a step of another message's work, so a message waits about as long as
#: the server is busy anyway, and the messages arriving meanwhile join it.
TURNS = 40
LONGEST_WAIT = 0.05
#: The most messages read in one run (a longer group is split: past this a batch gains little).
MOST = 16


def parse_together(processor: MessageProcessor, messages: list[UserMessage]) -> list[ParseData]:
    """Each message's parse data, from one run of the NLU graph for all of them."""
    runner: GraphRunner = processor.graph_runner
    target = processor.model_metadata.nlu_target
    tracker = DialogueStateTracker.from_events(messages[0].sender_id, [])  # read by none
    parsed = runner.run(
        inputs={PLACEHOLDER_MESSAGE: messages, PLACEHOLDER_TRACKER: tracker}, targets=[target]
    )[target]
    if len(parsed) != len(messages):
        raise RuntimeError(f"the NLU returned {len(parsed)} messages for {len(messages)}")
    results = []
    for message in parsed:
        parse_data: dict[str, Any] = {
            TEXT: "",
            INTENT: {INTENT_NAME_KEY: None, "confidence": 0.0},
            ENTITIES: [],
        }
        parse_data.update(message.as_dict(only_output_properties=True))
        processor._update_full_retrieval_intent(parse_data)
        processor._check_for_unseen_features(parse_data)
        results.append(parse_data)
    return results


#: A message's parse data and the processor (the model) that made it.
Parsed = tuple[ParseData, MessageProcessor]


class ParseGroups:
    """The messages waiting to be parsed on one event loop, and their runs of the NLU."""

    def __init__(self, agent: Agent) -> None:
        # Weakly: the agent holds this, and a cycle would keep a replaced model alive.
        self._agent = weakref.ref(agent)
        self._waiting: list[tuple[UserMessage, asyncio.Future[Parsed | None]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None  # where a look is scheduled
        self._since = 0.0  # when the first of them began waiting (the loop's clock)
        #: Messages being handled (waiting here, or past it and not answered yet).
        self.handling = 0

    async def parse(self, message: UserMessage) -> Parsed | None:
        """The message's parse data and the processor that made it; None if Rasa should
        parse it itself."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Parsed | None] = loop.create_future()
        if self._loop is not loop:  # nothing scheduled on this loop (another one ended)
            self._waiting, self._loop = [], loop
            self._since = loop.time()
            loop.call_soon(self._go_or_wait, TURNS)  # after the others that arrived with it
        self._waiting.append((message, future))
        return await future

    def _go_or_wait(self, turns: int) -> None:
        loop = asyncio.get_running_loop()
        others_handled = self.handling > len(self._waiting)
        waited = loop.time() - self._since
        if others_handled and turns > 0 and len(self._waiting) < MOST and waited < LONGEST_WAIT:
            loop.call_soon(self._go_or_wait, turns - 1)
            return
        waiting, self._waiting, self._loop = self._waiting, [], None
        for start in range(0, len(waiting), MOST):
            self._run(waiting[start : start + MOST])

    def _run(self, group: list[tuple[UserMessage, asyncio.Future[Parsed | None]]]) -> None:
        agent = self._agent()
        processor = agent.processor if agent is not None else None
        results: list[Parsed | None] = [None] * len(group)
        try:
            if processor is not None:
                parsed = parse_together(processor, [m for m, _ in group])
                results = [(data, processor) for data in parsed]
        except Exception:
            # Rasa parses each of them, as before, and meets the error with that message only.
            logger.warning(
                "parsing %d messages together failed: each is parsed on its own",
                len(group),
                exc_info=True,
            )
        for (_, future), result in zip(group, results, strict=True):
            if not future.done():
                future.set_result(result)


_original_handle_message = Agent.handle_message


async def handle_message(self: Agent, message: UserMessage) -> Any:
    """``Agent.handle_message``, the message parsed with those that came with it."""
    groups: ParseGroups | None = self.__dict__.get("_parse_groups")
    if groups is None:
        groups = self.__dict__["_parse_groups"] = ParseGroups(self)
    groups.handling += 1
    try:
        processor = self.processor
        ours = processor is not None and processor.http_interpreter is None
        if ours and self.is_ready() and message.parse_data is None:
            parsed = await groups.parse(message)
            if parsed is not None and parsed[1] is self.processor:  # not another model's
                message.parse_data = parsed[0]
        return await _original_handle_message(self, message)
    finally:
        groups.handling -= 1


def install() -> None:
    """Parse messages in groups on every agent of this process (idempotent)."""
    Agent.handle_message = handle_message
