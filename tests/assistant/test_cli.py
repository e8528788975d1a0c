"""`apuri run`'s knowledge-base step."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from assistant.cli import _ensure_knowledge_base
from assistant.service_search import ServiceSearchProvider
from assistant.settings import Settings
from knowledge_base.paths import default_index_dir
from knowledge_base.store import read_manifest


def test_a_current_index_is_kept_and_the_thread_setting_put_back(
    settings: Settings, service_provider: ServiceSearchProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    # service_provider builds (or finds) the current index in the default directory, and
    # loads its own embedder in a worker thread: wait for it, so only this test touches
    # OMP_NUM_THREADS meanwhile.
    deadline = time.monotonic() + 300
    while service_provider.problem() == "loading" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert service_provider.ready, service_provider.problem()
    index: Path = default_index_dir()
    before = read_manifest(index)
    assert before is not None
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    _ensure_knowledge_base(settings.with_(kb_dir=index))
    assert read_manifest(index) == before, "a current index is not rebuilt"
    # The engine sets OMP_NUM_THREADS for the build; the processes started next must not
    # inherit it.
    assert os.environ["OMP_NUM_THREADS"] == "1"
