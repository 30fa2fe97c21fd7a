"""How the command line talks: results on stdout (JSON last), everything else on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any


def info(message: str) -> None:
    """Progress and explanations, for people: stderr, so stdout stays machine-readable."""
    print(message, file=sys.stderr, flush=True)


def emit_json(data: dict[str, Any]) -> None:
    """The command's result: one JSON object on one line, the last line of stdout."""
    print(json.dumps(data, ensure_ascii=False, sort_keys=False), flush=True)
