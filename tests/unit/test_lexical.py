from __future__ import annotations

import pytest

from bot.knowledge.lexical import LexicalIndex, stem, terms


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("returns", "return"),
        ("boots", "boot"),
        ("washed", "wash"),
        ("washing", "wash"),
        ("is", "is"),
        ("bus", "bus"),
    ],
)
def test_stem_removes_common_endings_only_from_longer_words(word, expected):
    assert stem(word) == expected


def test_terms_drop_stop_words():
    assert terms("How do I return my Boots?") == ["return", "boot"]


def test_scores_favour_documents_sharing_rare_words():
    index = LexicalIndex.build(
        [
            ("returns", "return an item for a refund"),
            ("boots", "boots care and boots sizing"),
            ("delivery", "delivery times and costs"),
        ]
    )

    scores = index.scores("can I return my boots", [0, 1, 2], saturation=5.0)

    assert scores[2] == 0.0
    assert scores[0] > 0 and scores[1] > 0
    assert all(0 <= s < 1 for s in scores)


def test_lexical_index_survives_a_json_round_trip():
    index = LexicalIndex.build([("a", "return boots"), ("b", "delivery")])

    assert LexicalIndex.from_json(index.to_json()) == index
