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


@pytest.fixture(scope="module")
def minilm_bf16(minilm):
    from bot.embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(minilm.path, threads=1, precision="bfloat16")


def test_bfloat16_weights_keep_the_vectors_where_float32_puts_them(minilm, minilm_bf16):
    texts = ["where is my parcel? order FH204517", "hi", "this is useless, refund me NOW!!!"]

    full, half = minilm.embed(texts), minilm_bf16.embed(texts)
    encoded = minilm_bf16.encode(texts)

    assert half.dtype == np.float32 and encoded.vectors.dtype == np.float32
    assert minilm_bf16.model_id == minilm.model_id  # indexes built in float32 serve it
    assert (full * half).sum(axis=1).min() > 0.999
    assert (full * encoded.vectors).sum(axis=1).min() > 0.999


def test_top_layers_continue_a_bfloat16_pass_and_return_float32(minilm, minilm_bf16):
    import torch

    from bot.embeddings.top_layers import TopLayers

    texts = ["how long have I got to send a jacket back", "thanks, that helped"]
    outputs = []
    for embedder in (minilm, minilm_bf16):
        top = TopLayers.copied(embedder, 3)
        batch = embedder.encode(texts)
        with torch.inference_mode():
            outputs.append(top.pooled(*batch.states([0], 3)))
    full, half = outputs

    assert half.dtype == torch.float32
    assert torch.nn.functional.cosine_similarity(full, half).item() > 0.999


def test_top_layers_train_in_float32_whatever_the_encoder_serves_in(minilm_bf16):
    import torch

    from bot.embeddings.top_layers import TopLayers

    top = TopLayers.copied(minilm_bf16, 4)
    assert top.dtype == torch.bfloat16
    top.for_training()
    hidden, mask = minilm_bf16.inner_states(["where is my order"], layer=4, max_tokens=16)
    loss = top.pooled(hidden, mask).sum()
    loss.backward()

    assert top.dtype == torch.float32
    assert all(p.grad is not None for p in top.parameters())
