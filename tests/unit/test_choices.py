from __future__ import annotations

import pytest

from bot.dialogue.choices import chosen_position


@pytest.mark.parametrize(
    ("text", "offered", "position"),
    [
        ("the first one", 3, 0),
        ("2", 3, 1),
        ("option three please", 3, 2),
        ("number one", 3, 0),
        ("the last one", 3, 2),
        ("3rd", 2, None),  # only two were offered
        ("the first or the second", 3, None),  # ambiguous
        ("the one about returns", 3, None),
    ],
)
def test_chosen_position_understands_ordinals(text, offered, position):
    assert chosen_position(text, offered=offered) == position
