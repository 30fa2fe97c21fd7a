from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import IndexMissingError, IndexStaleError, KnowledgeBaseError
from bot.knowledge import build_index, check_fresh, kb_fingerprint, load_index, read_manifest
from bot.knowledge.vector_index import IndexKind
from tests.fakes import HashEmbedder


def test_build_writes_a_manifest_describing_the_index(tmp_path, kb_copy, hash_embedder):
    manifest = build_index(kb_copy, tmp_path / "index", embedder=hash_embedder)

    assert manifest.kb_fingerprint == kb_fingerprint(kb_copy)
    assert manifest.model_id == hash_embedder.model_id
    assert manifest.dimension == hash_embedder.dimension
    assert manifest.index_kind == "flat"
    assert manifest.articles >= 60
    assert manifest.entries > manifest.articles  # questions plus variants
    assert read_manifest(tmp_path / "index") == manifest


def test_answers_are_rendered_from_the_business_facts(tmp_path, kb_copy, hash_embedder):
    build_index(kb_copy, tmp_path / "index", embedder=hash_embedder)

    index = load_index(tmp_path / "index")

    answer = index.articles["returns-policy"].answer
    assert "{{" not in answer
    assert "30" in answer  # return_window_days from business.yml


def test_an_unknown_placeholder_fails_the_build_naming_the_file(tmp_path, kb_copy, hash_embedder):
    article = kb_copy / "returns" / "returns-policy.md"
    article.write_text(article.read_text() + "\nWithin {{ return_window_weeks }} weeks.\n")

    with pytest.raises(KnowledgeBaseError, match=r"returns/returns-policy.md.*return_window_weeks"):
        build_index(kb_copy, tmp_path / "index", embedder=hash_embedder)


def test_index_is_stale_after_an_article_edit(tmp_path, kb_copy, hash_embedder):
    manifest = build_index(kb_copy, tmp_path / "index", embedder=hash_embedder)
    check_fresh(manifest, source=kb_copy, model_id=hash_embedder.model_id)

    (kb_copy / "returns" / "returns-cost.md").write_text(
        (kb_copy / "returns" / "returns-cost.md").read_text().replace("free", "gratis")
    )

    with pytest.raises(IndexStaleError, match="changed since the index was built") as error:
        check_fresh(manifest, source=kb_copy, model_id=hash_embedder.model_id)
    assert "supportbot kb build" in error.value.hint


def test_index_is_stale_for_another_embedding_model(tmp_path, kb_copy, hash_embedder):
    manifest = build_index(kb_copy, tmp_path / "index", embedder=hash_embedder)

    with pytest.raises(IndexStaleError, match="embedding model"):
        check_fresh(manifest, source=kb_copy, model_id=HashEmbedder(128).model_id)


def test_business_facts_and_thresholds_are_part_of_the_fingerprint(kb_copy):
    before = kb_fingerprint(kb_copy)
    (kb_copy / "business.yml").write_text(
        (kb_copy / "business.yml").read_text().replace('"30"', '"28"')
    )

    assert kb_fingerprint(kb_copy) != before


def test_a_missing_index_says_which_command_builds_it(tmp_path):
    with pytest.raises(IndexMissingError) as error:
        load_index(tmp_path / "nothing")

    assert "supportbot kb build" in error.value.hint


def test_a_manifest_from_another_version_is_reported_as_stale(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 0}))

    with pytest.raises(IndexStaleError, match="another version"):
        load_index(tmp_path)


def test_rebuilding_replaces_old_files_and_keeps_one_previous_generation(
    tmp_path, kb_copy, hash_embedder
):
    out = tmp_path / "index"
    first = build_index(kb_copy, out, embedder=hash_embedder)
    (kb_copy / "returns" / "returns-cost.md").write_text(
        (kb_copy / "returns" / "returns-cost.md").read_text() + "\nExtra line.\n"
    )
    second = build_index(kb_copy, out, embedder=hash_embedder)
    (kb_copy / "returns" / "returns-cost.md").write_text(
        (kb_copy / "returns" / "returns-cost.md").read_text() + "\nAnother line.\n"
    )
    third = build_index(kb_copy, out, embedder=hash_embedder)

    files = {p.name for p in out.iterdir()}
    assert set(third.data_files) <= files
    assert set(second.data_files) <= files  # a reader mid-load may still need these
    assert not set(first.data_files) & files


def test_a_csv_source_is_indexed(tmp_path, hash_embedder):
    source = tmp_path / "faq.csv"
    source.write_text("id,question,answer\na,How long is shipping?,3 days\nb,Which cards?,Visa\n")

    manifest = build_index(source, tmp_path / "index", embedder=hash_embedder)

    assert (manifest.articles, manifest.entries) == (2, 2)


def test_an_approximate_index_can_be_forced(tmp_path, kb_copy, hash_embedder):
    manifest = build_index(kb_copy, tmp_path / "index", embedder=hash_embedder, kind=IndexKind.HNSW)

    assert manifest.index_kind == "hnsw"
    assert load_index(tmp_path / "index").vectors.kind is IndexKind.HNSW


def test_index_files_are_self_consistent(tmp_path: Path, kb_copy, hash_embedder):
    build_index(kb_copy, tmp_path / "index", embedder=hash_embedder)

    index = load_index(tmp_path / "index")

    assert index.vectors.size == len(index.entries)
    assert index.answer_vectors.shape == (len(index.articles), hash_embedder.dimension)
    assert set(index.article_order) == set(index.articles)


class EditingEmbedder(HashEmbedder):
    """Edits an article while the index is being built (as an operator might)."""

    def __init__(self, article: Path) -> None:
        super().__init__()
        self.article = article

    def embed(self, texts):
        if self.calls == 0:
            self.article.write_text(self.article.read_text().replace("£3.50", "£2.95"))
        return super().embed(texts)


def test_an_edit_during_a_build_leaves_the_index_stale_not_silently_old(tmp_path, kb_copy):
    embedder = EditingEmbedder(kb_copy / "policies" / "policies-gift-wrap.md")

    manifest = build_index(kb_copy, tmp_path / "index", embedder=embedder)

    with pytest.raises(IndexStaleError):
        check_fresh(manifest, source=kb_copy, model_id=embedder.model_id)


def test_tune_encoder_with_a_model_that_cannot_be_tuned_builds_the_plain_index(
    tmp_path, kb_copy, hash_embedder, caplog
):
    (kb_copy / "search.yml").write_text("tune_encoder: true\n")

    manifest = build_index(kb_copy, tmp_path / "index", embedder=hash_embedder)

    assert not manifest.tune_encoder
    assert manifest.encoder_file is None
    assert "cannot be tuned" in caplog.text
    assert load_index(tmp_path / "index").query_embedder(hash_embedder) is hash_embedder
