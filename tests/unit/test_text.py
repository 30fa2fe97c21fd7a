from __future__ import annotations

import pytest

from bot.text import MAX_MODEL_CHARS, TextFlag, inspect_message, parse_flags


@pytest.mark.parametrize(
    ("text", "expected_flags", "usable"),
    [
        ("where is my order", set(), True),
        ("", {TextFlag.EMPTY}, False),
        ("   \n\t  ", {TextFlag.EMPTY}, False),
        (None, {TextFlag.EMPTY}, False),
        ("👍👍", {TextFlag.NO_WORDS}, False),
        ("?!...", {TextFlag.NO_WORDS}, False),
        ("<script>alert(1)</script>", {TextFlag.MARKUP}, True),
        ("where is my order заказ", {TextFlag.MIXED_SCRIPTS}, True),
        ("где мой заказ", {TextFlag.NOT_LATIN}, True),
        ("\x00\x07refund\x1b", {TextFlag.CONTROL_CHARACTERS}, True),
        ("re\u200bfund\u202e", {TextFlag.CONTROL_CHARACTERS}, True),
    ],
)
def test_inspect_message_flags_unusual_messages(text, expected_flags, usable):
    inspected = inspect_message(text)

    assert set(inspected.flags) == expected_flags
    assert inspected.is_usable is usable


def test_inspect_message_keeps_the_original_and_cleans_a_copy():
    original = "  where\u200b is   my\norder?\x07 "

    inspected = inspect_message(original)

    assert inspected.original == original
    assert inspected.cleaned == "where is my order?"


def test_inspect_message_cuts_long_messages_at_a_word_boundary():
    text = "please help " * 1000  # 12,000 characters

    inspected = inspect_message(text)

    assert TextFlag.TRUNCATED in inspected.flags
    assert len(inspected.cleaned) <= MAX_MODEL_CHARS
    assert inspected.cleaned.endswith(("please", "help"))
    assert inspected.original == text


def test_inspect_message_normalises_unicode_forms():
    composed = inspect_message("caf\u00e9").cleaned
    decomposed = inspect_message("cafe\u0301").cleaned

    assert composed == decomposed


def test_parse_flags_ignores_unknown_names_and_bad_values():
    assert parse_flags(["empty", "bogus"]) == frozenset({TextFlag.EMPTY})
    assert parse_flags(None) == frozenset()
    assert parse_flags("empty") == frozenset()
