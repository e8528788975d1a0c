"""Settings come from the environment once, and a bad value names its variable."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.settings import Settings, SettingsError


def test_defaults_start_apuri_on_its_own() -> None:
    settings = Settings.from_env({})
    assert settings.port == 8080
    assert settings.redis_url is None
    assert settings.effective_redis_url == "redis://127.0.0.1:6390/0"
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("/var/apuri.db")
    assert settings.default_language == "fi"


def test_values_are_read_and_converted() -> None:
    settings = Settings.from_env(
        {
            "APURI_PORT": "9000",
            "REDIS_URL": "redis://127.0.0.1:6379/2",
            "DATABASE_URL": "postgresql://u@127.0.0.1:5432/test",
            "APURI_DEFAULT_LANGUAGE": "sv",
            "APURI_RASA_TIMEOUT": "2.5",
            "APURI_LOG_LEVEL": "debug",
        }
    )
    assert settings.port == 9000
    assert settings.effective_redis_url == "redis://127.0.0.1:6379/2"
    assert settings.effective_database_url == "postgresql+asyncpg://u@127.0.0.1:5432/test"
    assert settings.default_language == "sv"
    assert settings.rasa_timeout == 2.5
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("APURI_PORT", "eighty"),
        ("APURI_PORT", "70000"),
        ("APURI_RASA_PORT", "-1"),
        ("REDIS_URL", "localhost:6379"),
        ("DATABASE_URL", "mysql://db"),
        ("APURI_DEFAULT_LANGUAGE", "de"),
        ("APURI_RASA_TIMEOUT", "0"),
        ("APURI_LOG_LEVEL", "LOUD"),
        ("PUBLIC_BASE_URL", "apuri.hel.fi"),
        ("APURI_HOST", "a host"),
    ],
)
def test_a_bad_value_fails_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}:")


def test_settings_are_frozen_and_hide_the_token() -> None:
    settings = Settings.from_env({"APURI_INTERNAL_TOKEN": "s3cret-token"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]
    assert "s3cret-token" not in repr(settings)


def test_env_example_lists_every_variable() -> None:
    text = (Settings().root / ".env.example").read_text()
    source = (Settings().root / "assistant" / "settings.py").read_text()
    import re

    read = set(re.findall(r'get\("([A-Z_]+)"', source))
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", text, flags=re.MULTILINE))
    assert read, "no variables found in settings.py"
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
