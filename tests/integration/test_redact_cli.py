"""``supportbot redact`` as design.md specifies it: stdin to stdout, one message a line."""

from __future__ import annotations

from tests.integration.conftest import supportbot


def test_redact_masks_each_line_and_keeps_the_count():
    lines = ["my email is jo@example.com", "", "call 07700 900123 about FH10023", "all fine"]

    result = supportbot("redact", input="\n".join(lines) + "\n")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n") == [
        "my email is [EMAIL]",
        "",
        "call [PHONE] about [ORDER]",
        "all fine",
        "",
    ]
