"""Telecare's settings and `apuri nurse add`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.settings import Settings, SettingsError
from telecare.cli import nurse_main


def test_ice_servers_come_from_json() -> None:
    servers = '[{"urls": ["turn:turn.example:3478"], "username": "u", "credential": "c"}]'
    settings = Settings.from_env({"APURI_ICE_SERVERS": servers, "APURI_PRECALL_MAX": "3"})
    assert settings.ice_servers == (
        {"urls": ["turn:turn.example:3478"], "username": "u", "credential": "c"},
    )
    assert settings.precall_max == 3 and Settings.from_env({}).ice_servers == ()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("APURI_ICE_SERVERS", "turn:x"),
        ("APURI_ICE_SERVERS", '[{"url": "stun:x"}]'),
        ("APURI_TELECARE_TEAM", "Team A"),
        ("APURI_PRECALL_MAX", "0"),
        ("APURI_SECURE_COOKIES", "maybe"),
    ],
)
def test_a_bad_telecare_setting_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({name: value})
    assert error.value.variable == name and value not in str(error.value)


def test_apuri_nurse_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APURI_VAR_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert (
        nurse_main(["add", "eeva.nurse", "--name", "Eeva", "--lang", "sv", "--password-stdin"]) == 0
    )
    assert "eeva.nurse added" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert nurse_main(["add", "eeva.nurse", "--name", "Eeva", "--password-stdin"]) == 1
    assert "already taken" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert nurse_main(["add", "other.nurse", "--name", "O", "--password-stdin"]) == 1
