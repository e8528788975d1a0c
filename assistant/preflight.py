"""Before `apuri run` starts anything: the ports are free, a model exists, secrets are filled in."""

from __future__ import annotations

import secrets
import socket

from assistant.local_secrets import ADMIN_FILE, local_admin_password, local_secret_key
from assistant.settings import Settings
from assistant.supervisor import StartupError
from assistant.training import model_path


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def prepare(settings: Settings) -> Settings:
    """Check ports and fill in what a run needs (an internal token) before starting."""
    busy = [
        (name, port)
        for name, port, used in (
            ("APURI_PORT", settings.port, True),
            ("APURI_RASA_PORT", settings.rasa_port, True),
            ("APURI_ACTIONS_PORT", settings.actions_port, True),
            ("APURI_REDIS_PORT", settings.redis_port, settings.redis_url is None),
        )
        if used and not port_is_free(port)
    ]
    if busy:
        names = ", ".join(f"{port} ({name})" for name, port in busy)
        raise StartupError(f"ports already in use: {names}; stop what uses them or change them")
    if not model_path(settings).exists():
        raise StartupError("no trained model: run 'apuri train' (make run does it)")
    if not settings.internal_token:
        settings = settings.with_(internal_token=secrets.token_urlsafe(32))
    if not settings.secret_key:
        settings = settings.with_(secret_key=local_secret_key(settings.var_dir))
    if not settings.admin_password:
        settings = settings.with_(admin_password=local_admin_password(settings.var_dir))
        where = settings.var_dir / ADMIN_FILE
        print(f"apuri: /admin/outbox signs in as admin with the password in {where}", flush=True)
    return settings
