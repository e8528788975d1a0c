"""Secrets kept under var/ when no secret store gives them: the hashing key, the admin password."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ADMIN_FILE = "admin.password"


def local_secret_key(var_dir: Path) -> str:
    """The key kept in var/secret.key (0600), made on first use, for keyed hashes.

    Phone numbers are hashed with it, so it must stay the same across restarts; a
    deployment sets APURI_SECRET_KEY from its secret store instead.
    """
    path = var_dir / "secret.key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def local_admin_password(var_dir: Path) -> str:
    """The /admin password kept in var/admin.password (0600), made on first use.

    Only its place is ever printed, never the password. A deployment sets
    APURI_ADMIN_PASSWORD from its secret store instead.
    """
    path = var_dir / ADMIN_FILE
    if path.exists():
        path.chmod(0o600)
        password = path.read_text(encoding="utf-8").strip()
        if password:
            return password
        path.unlink()
    var_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password
