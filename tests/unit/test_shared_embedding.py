from __future__ import annotations

import numpy as np
import pytest

from bot.embeddings.shared import decode_vector, encode_vector


def test_a_vector_survives_the_trip_within_float16_precision():
    vector = np.random.default_rng(1).normal(size=384).astype(np.float32)
    vector /= np.linalg.norm(vector)

    decoded = decode_vector(encode_vector(vector, model_id="m@1"), model_id="m@1", dimension=384)

    assert decoded.shape == (1, 384)
    assert float(decoded[0] @ vector) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "text",
        {"model": "other@2", "dtype": "float16", "vector": ""},
        {"model": "m@1", "dtype": "float32", "vector": ""},
        {"model": "m@1", "dtype": "float16", "vector": "not base64!"},
        {"model": "m@1", "dtype": "float16", "vector": "AAAA"},  # wrong length
    ],
)
def test_anything_but_a_vector_of_this_model_is_ignored(payload):
    assert decode_vector(payload, model_id="m@1", dimension=384) is None


def test_a_zero_vector_is_ignored():
    payload = encode_vector(np.zeros(384, dtype=np.float32), model_id="m@1")

    assert decode_vector(payload, model_id="m@1", dimension=384) is None
