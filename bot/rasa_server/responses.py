"""``CatalogueResponses``: Rasa's responses (``domain.yml``) said in the customer's language.

Rasa renders a response (``utter_goodbye``, or one an action asks for by name) with its natural
language generator; ``endpoints.yml`` names this one. It is Rasa's own, from ``domain.yml``,
except that a customer served in a language the message catalogue has the response in
(``response.<name>`` in ``bot/catalogue/it.yml``) gets it in that language: its text, and its
buttons' titles in their order (the payloads stay the domain's). The language is the one the
actions serve in (``bot.conversations.events.serving_language``).
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Restarted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.catalogue import say, translated, words
from bot.conversations.events import serving_language


class CatalogueResponses(TemplatedNaturalLanguageGenerator):
    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None
    ) -> None:
        super().__init__(domain.responses if domain is not None else {})

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if response is None:
            return None
        given = {**tracker.current_slot_values(), **kwargs}
        fields = {name: value for name, value in given.items() if name != "language"}
        return in_language(response, utter_action, customer_language(tracker), fields)


def in_language(
    response: dict[str, Any],
    name: str,
    language: str | None,
    fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The rendered ``response`` ``name`` in ``language`` where the catalogue has it: its text
    (its ``{slot}`` fields filled from ``fields``) and, when they match the domain's one for
    one, its buttons' titles. A response without text (an image, a custom payload) is left as
    it is."""
    key = f"response.{name}"
    if not response.get("text") or not translated(f"{key}.text", language):
        return response
    try:
        said = {**response, "text": say(f"{key}.text", language, **(fields or {}))}
    except (KeyError, IndexError):  # a field the translation names and nobody gave
        return response
    buttons = response.get("buttons") or []
    if buttons and translated(f"{key}.buttons", language):
        titles = words(f"{key}.buttons", language)
        if len(titles) == len(buttons):
            said["buttons"] = [
                {**button, "title": title} for button, title in zip(buttons, titles, strict=True)
            ]
    return said


def customer_language(tracker: DialogueStateTracker) -> str | None:
    """The language the customer is served in, from this session's messages (Rasa's events
    read back to their JSON form, as the actions see them)."""
    messages: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted | Restarted):
            break
        if isinstance(event, UserUttered):
            messages.append(event.as_dict())
    messages.reverse()
    return serving_language(
        messages, tracker.latest_message.metadata if tracker.latest_message else None
    )
