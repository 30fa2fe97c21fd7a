from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.model


def test_the_packaged_model_embeds_meaning(minilm):
    vectors = minilm.embed(["where is my parcel", "track my order", "what is the weather today"])

    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > unrelated + 0.2


def test_the_model_id_names_the_model_and_its_weights(minilm):
    assert minilm.model_id.startswith("all-MiniLM-L6-v2@")
    assert minilm.dimension == 384


def test_embedding_is_deterministic(minilm):
    first = minilm.embed(["can I pay with klarna"])
    second = minilm.embed(["can I pay with klarna"])

    assert np.allclose(first, second, atol=1e-6)
