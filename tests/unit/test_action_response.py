"""Rasa's check of action server responses, as installed by the Rasa-side package."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import bot.rasa_server  # noqa: F401  (installs the check, as the Rasa server does)
from bot.rasa_server.action_response import validate_action_result


def remote_action() -> RemoteAction:
    return RemoteAction("action_answer_faq", EndpointConfig("http://127.0.0.1:1/webhook"))


@pytest.mark.parametrize(
    "response",
    [
        {"events": [], "responses": []},
        {
            "events": [{"event": "slot", "name": "handoff", "value": "none"}, {"event": "restart"}],
            "responses": [{"text": "Returns are free within 30 days.", "buttons": []}],
        },
        {},
    ],
)
def test_action_response_a_valid_response_is_accepted(response: dict) -> None:
    assert remote_action()._validate_action_result(response) is True


@pytest.mark.parametrize(
    "response",
    [
        {"events": "not a list"},
        {"events": [{"event": "no_such_event"}]},
        {"events": [{"event": "slot", "value": "missing its name"}]},
        {"responses": ["a bare string is not a response"]},
        ["not", "an", "object"],
    ],
)
def test_action_response_an_invalid_response_is_refused_as_rasa_does(response: object) -> None:
    with pytest.raises(ValidationError) as installed:
        remote_action()._validate_action_result(response)  # type: ignore[arg-type]
    # Rasa's own check (jsonschema.validate with the same schema) refuses it with the same error.
    import jsonschema

    with pytest.raises(ValidationError) as original:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    assert installed.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response" in installed.value.message


def test_action_response_is_installed_for_every_remote_action() -> None:
    assert RemoteAction._validate_action_result is validate_action_result
