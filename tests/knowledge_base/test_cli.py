"""`apuri kb build` and `apuri search` as functions."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from knowledge_base.cli import build_main, search_main
from knowledge_base.paths import ROOT, default_index_dir


def test_default_index_dir_follows_apuri_var_dir(tmp_path: Path):
    assert default_index_dir({"APURI_VAR_DIR": str(tmp_path)}) == tmp_path / "kb"
    assert default_index_dir({}) == ROOT / "var" / "kb"


def test_search_json(index_dir: Path, capsys: pytest.CaptureFixture[str]):
    code = search_main(
        ["hevossairaala", "--lang", "fi", "--k", "2", "--json", "--index-dir", str(index_dir)]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["query"] == "hevossairaala"
    assert payload["lang"] == "fi"
    assert payload["answered"] is True
    assert payload["results"][0]["service_id"] == 5445
    assert set(payload["results"][0]) == {"service_id", "score", "name"}
    assert len(payload["results"]) == 2


def test_search_text(index_dir: Path, capsys: pytest.CaptureFixture[str]):
    assert search_main(["horse hospital phone", "--lang", "en", "--index-dir", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("answered")
    assert "Equine Hospital contact information" in out
    assert "029 41 57350" in out


def test_search_text_marks_a_fallback_and_its_rendered_name(
    index_dir: Path, capsys: pytest.CaptureFixture[str]
):
    argv = ["ergoterapi för barn", "--lang", "sv", "--k", "1", "--index-dir", str(index_dir)]
    assert search_main(argv) == 0
    out = capsys.readouterr().out
    assert "1. Lasten toimintaterapian puhelinpalvelu [fi] ~ Telefontjänst för ergoterapi" in out


def test_search_reads_queries_from_stdin(
    index_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("sys.stdin", io.StringIO("hur ansöker jag om dagvård\n\ntell me a joke\n"))
    assert search_main(["--index-dir", str(index_dir)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["query"] for line in lines] == ["hur ansöker jag om dagvård", "tell me a joke"]
    assert [line["lang"] for line in lines] == ["sv", "en"]
    assert lines[1]["answered"] is False
    assert all({"query", "lang", "answered", "results"} <= set(line) for line in lines)


def test_build_then_reuse(tiny_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    argv = ["--data", str(tiny_data), "--index-dir", str(tmp_path / "kb"), "--quiet"]
    assert build_main(argv) == 0
    assert "built in" in capsys.readouterr().out
    assert build_main(argv) == 0
    out = capsys.readouterr().out
    assert "reused" in out
    assert "fi 5, sv 4, en 4" in out
    assert build_main([*argv, "--force"]) == 0
    assert "built in" in capsys.readouterr().out
