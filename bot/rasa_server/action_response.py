"""Rasa's check of an action server's response, without re-checking the schema every time.

Rasa 3.6 validates every response of the action server with ``jsonschema.validate``, which first
validates the response *schema* against JSON Schema's meta-schema and builds a new validator.
Profiled under load (``docs/performance.md``), that was 13 ms of CPU per action call, about a
fifth of the Rasa server's time per message; checking the response itself takes 0.4 ms.

``install()`` replaces ``RemoteAction._validate_action_result`` with the same check done by one
validator built once (the schema is Rasa's own constant and is still checked, once): a response
Rasa would refuse is still refused with the same error and message. Installed when the Rasa
server loads our components and channels (``bot/rasa_server/__init__.py``).
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_HINT = (
    ". Failed to validate Action server response from API, make sure your response from the "
    "Action endpoint is valid. For more information about the format visit "
    f"{DOCS_BASE_URL}/custom-actions"
)


@functools.cache
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result``'s contract: True, or its ValidationError."""
    error = exceptions.best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += _HINT
        raise error
    return True


def install() -> None:
    """Use the validator built once for every RemoteAction (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result
