"""Commands that run no model import none: ``supportbot --help`` and the supervisor start fast
and small (importing spaCy, torch or TensorFlow costs seconds and 600 MB, scikit-learn 0.3 s)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import PROJECT

HEAVY = (
    "torch", "tensorflow", "spacy", "thinc", "rasa", "transformers", "sentence_transformers",
    "sklearn",  # 0.3 s: the help of every command paid it once (bot.knowledge.crosslingual)
)  # fmt: skip


def modules_after(argv: list[str]) -> list[str]:
    """The heavy packages imported by running ``supportbot ARGV`` (in a fresh interpreter)."""
    script = textwrap.dedent(
        f"""
        import contextlib, io, json, sys
        import bot.runtime.supervisor  # what `supportbot run` itself runs
        from bot.cli.main import main
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            main({argv!r})
        heavy = {HEAVY!r}
        print(json.dumps(sorted(m for m in sys.modules if m in heavy)))
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return list(json.loads(completed.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["kb", "--help"], ["report", "--help"], ["agent", "--help"], ["redact", "--help"]],
)
def test_help_imports_no_model_library(argv: list[str]) -> None:
    assert modules_after(argv) == []
