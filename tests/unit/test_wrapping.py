"""A library's method is wrapped once however often that is asked for (bot/wrapping.py)."""

from __future__ import annotations

from bot.wrapping import wrap_once


class Library:
    def greet(self, name: str) -> str:
        return f"hello {name}"


def test_a_method_is_wrapped_once():
    def shouting(original):
        def greet(self, name):
            return original(self, name).upper()

        return greet

    assert wrap_once(Library, "greet", shouting) is True
    assert wrap_once(Library, "greet", shouting) is False

    assert Library().greet("ada") == "HELLO ADA"
    assert wrap_once(Library, "greet", lambda original: (lambda self, name: "again")) is False
    assert Library().greet("ada") == "HELLO ADA"
