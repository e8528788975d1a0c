"""Building and reusing the index: tiny data in a temporary directory, hashing embedder."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from knowledge_base import build
from knowledge_base.build import build_index, is_current, load_or_build
from knowledge_base.index import LoadedIndex
from knowledge_base.ingest import data_sha256, default_search_words_path
from knowledge_base.search import ServiceSearch
from knowledge_base.store import DENSE, DOCUMENTS, MANIFEST, read_manifest
from tests.knowledge_base.helpers import TINY_IDS, HashingEmbedder


def test_build_persists_every_part(tiny_data: Path, tmp_path: Path):
    out = tmp_path / "kb"
    manifest = build_index(tiny_data, out, HashingEmbedder(), progress=False)
    for name in (MANIFEST, DOCUMENTS, DENSE, "passages.json", "lexical/rows.json"):
        assert (out / name).is_file(), name
    assert manifest.data_sha256 == data_sha256(tiny_data)
    assert manifest.model_name == "hashing-test"
    assert manifest.dimensions == 64
    assert manifest.services == len(TINY_IDS)
    assert manifest.documents == {"fi": 5, "sv": 4, "en": 4}
    # Lost property (4091) is in Finnish only: the shipped search words stand in.
    assert manifest.search_words == {"fi": 0, "sv": 1, "en": 1}
    assert manifest.search_words_sha256 == data_sha256(default_search_words_path())
    assert manifest.build_seconds >= 0
    assert read_manifest(out) == manifest
    assert not list(tmp_path.glob(".kb-*")), "staging directories are cleaned up"


def test_index_is_reused_while_data_and_model_match(tiny_data: Path, tmp_path: Path):
    out = tmp_path / "kb"
    first = load_or_build(tiny_data, out, HashingEmbedder())
    again = load_or_build(tiny_data, out, HashingEmbedder())
    assert again.built_at == first.built_at
    assert again.build_seconds == first.build_seconds
    assert is_current(again, data_sha256(tiny_data), "hashing-test")


def test_index_is_rebuilt_when_the_data_changes(tiny_data: Path, tmp_path: Path):
    out = tmp_path / "kb"
    first = load_or_build(tiny_data, out, HashingEmbedder())
    records = [json.loads(x) for x in gzip.decompress(tiny_data.read_bytes()).splitlines()]
    changed = tmp_path / "changed.jsonl"
    changed.write_text("".join(json.dumps(r) + "\n" for r in records[:3]), encoding="utf-8")
    second = load_or_build(changed, out, HashingEmbedder())
    assert second.data_sha256 != first.data_sha256
    assert second.services == 3
    assert LoadedIndex.load(out).manifest == second


def test_index_is_rebuilt_when_the_search_words_change(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "kb"
    first = load_or_build(tiny_data, out, HashingEmbedder())
    words = tmp_path / "words.jsonl"
    words.write_text('{"service_id": 4091, "en": ["Lost and found office"]}\n', "utf-8")
    monkeypatch.setattr(build, "default_search_words_path", lambda: words)
    second = load_or_build(tiny_data, out, HashingEmbedder())
    assert second.built_at >= first.built_at
    assert second.search_words_sha256 == data_sha256(words)
    assert second.search_words == {"fi": 0, "sv": 0, "en": 1}
    assert LoadedIndex.load(out).translated_names == {(4091, "en"): "Lost and found office"}


def test_index_is_rebuilt_for_another_model_or_when_forced(tiny_data: Path, tmp_path: Path):
    out = tmp_path / "kb"
    first = load_or_build(tiny_data, out, HashingEmbedder())
    other = load_or_build(tiny_data, out, HashingEmbedder(name="hashing-other", dim=32))
    assert (other.model_name, other.dimensions) == ("hashing-other", 32)
    forced = load_or_build(
        tiny_data, out, HashingEmbedder(name="hashing-other", dim=32), force=True
    )
    assert forced.data_sha256 == first.data_sha256
    assert forced.built_at >= other.built_at


def test_a_broken_manifest_means_rebuild(tiny_data: Path, tmp_path: Path):
    out = tmp_path / "kb"
    load_or_build(tiny_data, out, HashingEmbedder())
    (out / MANIFEST).write_text("{not json", encoding="utf-8")
    assert read_manifest(out) is None
    assert load_or_build(tiny_data, out, HashingEmbedder()).services == len(TINY_IDS)


def test_search_over_a_tiny_index(tiny_data: Path, tmp_path: Path):
    out = tmp_path / "kb"
    load_or_build(tiny_data, out, HashingEmbedder())
    search = ServiceSearch(LoadedIndex.load(out), HashingEmbedder())
    result = search.search("asukaspysäköintitunnus", "fi", k=3, mode="lexical")
    assert result.results[0].service_id == 4217
    assert 4217 in [hit.service_id for hit in search.search("asukaspysäköintitunnus").results]
    assert search.search("hevossairaala", "sv").results[0].card.lang == "sv"
    lost = search.search("lost and found", "en", k=3, mode="lexical").results[0]
    assert lost.service_id == 4091
    assert (lost.card.lang, lost.card.fallback_lang) == ("fi", "fi")
    assert lost.card.translated_name == "Lost property office contact details"


def test_search_refuses_an_index_of_another_model(tiny_data: Path, tmp_path: Path):
    out = tmp_path / "kb"
    load_or_build(tiny_data, out, HashingEmbedder())
    try:
        ServiceSearch(LoadedIndex.load(out), HashingEmbedder(name="other"))
    except ValueError as error:
        assert "hashing-test" in str(error)
    else:
        raise AssertionError("a model mismatch must fail")
