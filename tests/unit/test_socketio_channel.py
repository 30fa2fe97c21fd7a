from __future__ import annotations

import pytest

from bot.channels.socketio import MAX_METADATA_VALUE, RecentIds, clean_metadata, valid_session_id


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("0123456789abcdef0123456789abcdef", True),
        ("0123456789ABCDEF0123456789ABCDEF", False),
        ("admin", False),
        ("0123456789abcdef0123456789abcde", False),
        (None, False),
        (12345, False),
    ],
)
def test_only_session_ids_we_issue_are_accepted(value, valid):
    assert (valid_session_id(value) is not None) is valid


def test_metadata_keeps_short_plain_values_only():
    cleaned = clean_metadata(
        {
            "page_url": "https://shop.example/boots",
            "customer_id": 42,
            "vip": True,
            "nested": {"a": 1},
            "list": [1, 2],
            "long": "x" * (MAX_METADATA_VALUE + 10),
            7: "numeric key",
        }
    )

    assert cleaned == {
        "page_url": "https://shop.example/boots",
        "customer_id": 42,
        "vip": True,
        "long": "x" * MAX_METADATA_VALUE,
    }


@pytest.mark.parametrize("value", ['{"page_url": "u"}', "not json", 5, None])
def test_metadata_as_a_json_string_is_read_and_anything_else_dropped(value):
    assert clean_metadata(value) == ({"page_url": "u"} if value == '{"page_url": "u"}' else {})


def test_recent_ids_remember_a_bounded_number():
    recent = RecentIds(capacity=2)

    assert recent.add(("s", "1")) is True
    assert recent.add(("s", "1")) is False
    recent.add(("s", "2"))
    recent.add(("s", "3"))

    assert recent.add(("s", "1")) is True  # the oldest was forgotten
