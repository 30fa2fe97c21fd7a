from __future__ import annotations

from bot.conversations import transcript


def test_transcript_shows_what_the_customer_saw():
    events = [
        {"event": "session_started", "timestamp": 1},
        {"event": "user", "text": "how do I return an item?", "timestamp": 2},
        {"event": "action", "name": "action_answer_from_knowledge_base", "timestamp": 3},
        {"event": "bot", "text": "Use the returns page.", "timestamp": 4, "data": {}},
        {
            "event": "bot",
            "text": "Did that answer your question?",
            "timestamp": 5,
            "data": {"buttons": [{"title": "Yes, thanks", "payload": "/affirm"}]},
        },
        {
            "event": "user",
            "text": "/affirm",
            "timestamp": 6,
            "metadata": {"button_title": "Yes, thanks"},
        },
        {"event": "bot", "text": None, "timestamp": 7, "data": {"custom": {}}},
    ]

    items = transcript(events)

    assert [(i.sender, i.text) for i in items] == [
        ("customer", "how do I return an item?"),
        ("bot", "Use the returns page."),
        ("bot", "Did that answer your question?"),
        ("customer", "Yes, thanks"),
    ]
    assert items[2].buttons == ({"title": "Yes, thanks", "payload": "/affirm"},)


def test_a_typed_slash_message_without_a_button_title_is_shown_as_typed():
    [item] = transcript([{"event": "user", "text": "/etc/passwd", "timestamp": 1}])

    assert item.text == "/etc/passwd"
