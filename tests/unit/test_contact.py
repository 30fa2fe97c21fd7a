"""The contact a customer leaves in a message: found, and found fast whatever they send."""

from __future__ import annotations

import pytest

from bot.handoff.contact import find_contact


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("reach me at jo.smith+shop@example.co.uk please", "jo.smith+shop@example.co.uk"),
        ("call +44 (0)20 7946 0958 after 5", "+44 (0)20 7946 0958"),
        ("phone 0171 555 0199 or mail a.b@shop.example", "a.b@shop.example"),
        ("order 12345 please", None),  # too few digits for a phone number
        ("my email is jo@localhost", None),
    ],
)
def test_contact_is_the_first_email_else_the_first_phone_number(text, contact) -> None:
    assert find_contact(text) == contact


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "text",
    [
        "a" * 300_000,
        "a." * 150_000,
        "a%" * 150_000,
        "x@" * 150_000,
        ("a" * 50 + "@") * 6_000,
        "1 " * 150_000,
    ],
)
def test_contact_search_is_linear_on_long_hostile_text(text) -> None:
    # The address pattern before this test took about 3 minutes on the first text (its cost
    # grew with the square of the length); now milliseconds. The timeout is a hang guard.
    found = find_contact(text)
    assert found is None or len(found) <= 30
