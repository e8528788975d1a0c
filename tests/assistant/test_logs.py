"""JSON log lines, and the loggers kept quiet."""

from __future__ import annotations

import json
import logging

import pytest

from assistant import logs


def test_events_are_json_lines_and_noisy_loggers_are_quiet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        logs.configure("INFO")
        logs.event(logging.getLogger("apuri.test"), "test.event", conversation="c-1")
        logging.getLogger("faiss.loader").info("Could not load library with AVX512 support")
        logging.getLogger("aiohttp.access").info("GET /api/services/search?q=secret")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert [line["event"] for line in lines] == ["test.event"]
    assert lines[0]["logger"] == "apuri.test"
    assert lines[0]["conversation"] == "c-1"
