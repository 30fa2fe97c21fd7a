"""The encoder tuned on a knowledge base's phrasings (``tune_encoder: true``), real model."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import yaml
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.embeddings.shared import KB_EMBEDDING, TEXT_EMBEDDING, decode_vector, encode_vector
from bot.errors import SearchIndexError
from bot.knowledge import KnowledgeSearcher, build_index, load_index
from bot.knowledge.tuned_encoder import TunedEncoder
from bot.rasa_server.nlu.knowledge_query_encoder import KnowledgeQueryEncoder
from bot.rasa_server.nlu.sentence_embedding_featurizer import ENCODER_STATES, EncoderStates
from bot.settings import Settings
from tests.conftest import PROJECT

ARTICLES = {
    "returns-how-to": (
        "How do I return an item?",
        ["how do I send something back", "start a return", "I want to return my jacket"],
        "Print the prepaid label from your account and drop the parcel at a post office.",
    ),
    "returns-gift": (
        "How do I return a gift?",
        ["I got this as a present and want to return it", "gift return", "returning a gift"],
        "Gifts can be returned with the gift receipt; the refund goes to a gift card.",
    ),
    "shipping-times": (
        "How long does delivery take?",
        ["when will my parcel arrive", "delivery time", "how many days is shipping"],
        "Standard delivery takes 3 to 5 working days.",
    ),
    "payments-declined": (
        "Why was my card declined?",
        ["my payment failed", "card not accepted", "visa declined at checkout"],
        "Check the card details and the billing address, or try another card.",
    ),
}


def write_kb(folder: Path) -> Path:
    folder.mkdir()
    for article_id, (question, variants, answer) in ARTICLES.items():
        front = {
            "question": question,
            "variants": variants,
            "category": article_id.split("-")[0],
            "last_reviewed": "2026-11-02",
        }
        text = f"---\n{yaml.safe_dump(front)}---\n{answer}\n"
        (folder / f"{article_id}.md").write_text(text, encoding="utf-8")
    (folder / "search.yml").write_text("tune_encoder: true\n", encoding="utf-8")
    return folder


def separation(embed, texts_by_article: dict[str, list[str]]) -> float:
    """Mean similarity within an article minus mean similarity across articles."""
    vectors = {a: embed(texts) for a, texts in texts_by_article.items()}
    within, across = [], []
    for a, va in vectors.items():
        for b, vb in vectors.items():
            sims = va @ vb.T
            if a == b:
                within += list(sims[~np.eye(len(va), dtype=bool)])
            else:
                across += list(sims.ravel())
    return float(np.mean(within) - np.mean(across))


def test_the_tuned_encoder_pulls_an_articles_phrasings_together(tmp_path, minilm):
    kb = write_kb(tmp_path / "kb")
    cache = tmp_path / "cache"

    manifest = build_index(kb, tmp_path / "index", embedder=minilm, encoder_cache=cache)

    assert manifest.tune_encoder
    assert manifest.encoder_file is not None
    assert (tmp_path / "index" / manifest.encoder_file).is_file()
    assert (cache / manifest.encoder_file).is_file()
    searcher = KnowledgeSearcher(load_index(tmp_path / "index"), minilm)
    assert "+kb-tuned@" in searcher.model_id
    phrasings = {a: [q, *v] for a, (q, v, _) in ARTICLES.items()}
    tuned = load_index(tmp_path / "index").query_embedder(minilm)
    assert separation(tuned.embed, phrasings) > separation(minilm.embed, phrasings) + 0.05
    best = searcher.search("someone bought me a jacket as a present, how do I return it").best
    assert best is not None and best.article.id == "returns-gift"


def test_a_rebuild_with_the_same_phrasings_reuses_the_tuned_encoder(tmp_path, minilm, caplog):
    kb = write_kb(tmp_path / "kb")
    cache = tmp_path / "cache"
    first = build_index(kb, tmp_path / "index", embedder=minilm, encoder_cache=cache)
    assert first.encoder_file is not None
    written = (cache / first.encoder_file).stat().st_ino  # a new file would be another inode
    caplog.set_level(logging.INFO, logger="bot.knowledge.store")
    caplog.clear()
    # A recalibration changes search.yml (and the fingerprint), an edited answer its text:
    # neither changes the phrasings.
    (kb / "search.yml").write_text("tune_encoder: true\nanswer_threshold: 0.8\n")
    gift = kb / "returns-gift.md"
    gift.write_text(gift.read_text().replace("gift card", "gift voucher"))

    other = build_index(kb, tmp_path / "other", embedder=minilm, encoder_cache=cache)

    assert other.kb_fingerprint != first.kb_fingerprint
    assert other.encoder_file == first.encoder_file
    assert (cache / first.encoder_file).stat().st_ino == written
    assert "tuned the encoder" not in caplog.text  # not trained again
    assert (tmp_path / "other" / first.encoder_file).is_file()  # the index has its own copy


def test_a_tuned_index_ignores_the_nlus_base_model_vector(tmp_path, minilm):
    kb = write_kb(tmp_path / "kb")
    build_index(kb, tmp_path / "index", embedder=minilm)
    searcher = KnowledgeSearcher(load_index(tmp_path / "index"), minilm)
    text = "my visa keeps getting declined"

    nlu_vector = encode_vector(minilm.embed([text]), model_id=minilm.model_id)
    with_vector = searcher.search(text, shared_vectors={TEXT_EMBEDDING: nlu_vector})

    plain = searcher.search(text)
    assert [m.article.id for m in with_vector.matches] == [m.article.id for m in plain.matches]
    assert [m.score for m in with_vector.matches] == pytest.approx([m.score for m in plain.matches])


def test_a_tuned_encoder_is_refused_for_another_base_model(tmp_path, minilm):
    kb = write_kb(tmp_path / "kb")
    manifest = build_index(kb, tmp_path / "index", embedder=minilm)
    assert manifest.encoder_file is not None
    metadata, state = TunedEncoder.read(tmp_path / "index" / manifest.encoder_file)

    with pytest.raises(SearchIndexError, match="trained on"):
        TunedEncoder.from_state(minilm, {**metadata, "base_model": "other-model@1"}, state)


def parsed(minilm, text: str) -> Message:
    """A message as the featurizer leaves it: with its place in the forward pass."""
    message = Message(data={TEXT: text})
    message.set(ENCODER_STATES, EncoderStates(minilm.encode([text]), 0, minilm))
    return message


def test_the_rasa_server_computes_the_tuned_search_vector_from_the_shared_pass(tmp_path, minilm):
    kb = write_kb(tmp_path / "kb")
    settings = Settings.create(home=PROJECT, kb_index_dir=tmp_path / "index", data_dir=tmp_path)
    component = KnowledgeQueryEncoder(settings)
    text = "someone gave me boots as a present"
    assert component.process([parsed(minilm, text)])[0].get(KB_EMBEDDING) is None  # no index

    build_index(kb, tmp_path / "index", embedder=minilm)
    searcher = KnowledgeSearcher(load_index(tmp_path / "index"), minilm)
    shared = component.process([parsed(minilm, text)])[0].get(KB_EMBEDDING)

    vector = decode_vector(shared, model_id=searcher.model_id, dimension=minilm.dimension)
    assert vector is not None  # tagged with the tuned encoder's id, which the searcher accepts
    expected = load_index(tmp_path / "index").query_embedder(minilm).embed([text])
    assert float(vector[0] @ expected[0]) > 0.999
    assert decode_vector(shared, model_id=minilm.model_id, dimension=minilm.dimension) is None


def test_an_untuned_index_gets_no_tuned_search_vector(tmp_path, minilm):
    kb = write_kb(tmp_path / "kb")
    (kb / "search.yml").write_text("tune_encoder: false\n")
    build_index(kb, tmp_path / "index", embedder=minilm)
    settings = Settings.create(home=PROJECT, kb_index_dir=tmp_path / "index", data_dir=tmp_path)

    message = KnowledgeQueryEncoder(settings).process([parsed(minilm, "gift return")])[0]

    assert message.get(KB_EMBEDDING) is None


def test_a_damaged_cached_encoder_is_trained_again(tmp_path, minilm, caplog):
    kb = write_kb(tmp_path / "kb")
    cache = tmp_path / "cache"
    first = build_index(kb, tmp_path / "index", embedder=minilm, encoder_cache=cache)
    assert first.encoder_file is not None
    (cache / first.encoder_file).write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")

    again = build_index(kb, tmp_path / "other", embedder=minilm, encoder_cache=cache)

    assert again.encoder_file == first.encoder_file
    assert "cannot be read" in caplog.text
    assert TunedEncoder.load(cache / first.encoder_file, minilm).key in first.encoder_file


def test_a_damaged_copy_in_the_index_is_replaced_from_the_cache(tmp_path, minilm):
    kb = write_kb(tmp_path / "kb")
    cache = tmp_path / "cache"
    first = build_index(kb, tmp_path / "index", embedder=minilm, encoder_cache=cache)
    assert first.encoder_file is not None
    (tmp_path / "index" / first.encoder_file).write_bytes(b"damaged")

    build_index(kb, tmp_path / "index", embedder=minilm, encoder_cache=cache)

    searcher = KnowledgeSearcher(load_index(tmp_path / "index"), minilm)
    assert searcher.model_id.endswith(first.encoder_file.removeprefix("encoder-")[:16])


def test_a_damaged_encoder_costs_the_rasa_server_only_its_saving(tmp_path, minilm):
    kb = write_kb(tmp_path / "kb")
    manifest = build_index(kb, tmp_path / "index", embedder=minilm)
    assert manifest.encoder_file is not None
    (tmp_path / "index" / manifest.encoder_file).write_bytes(b"damaged")
    settings = Settings.create(home=PROJECT, kb_index_dir=tmp_path / "index", data_dir=tmp_path)

    message = KnowledgeQueryEncoder(settings).process([parsed(minilm, "gift return")])[0]

    assert message.get(KB_EMBEDDING) is None


def test_thresholds_calibrated_with_another_tuned_encoder_are_flagged(tmp_path, minilm, caplog):
    kb = write_kb(tmp_path / "kb")
    (kb / "search.yml").write_text(
        "tune_encoder: true\nanswer_threshold: 1.1\n"
        "calibration:\n  model: all-MiniLM-L6-v2@0+kb-tuned@0000000000000000\n"
    )

    build_index(kb, tmp_path / "index", embedder=minilm)

    assert "calibrated with another tuned encoder" in caplog.text
