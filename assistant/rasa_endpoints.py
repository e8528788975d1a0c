"""Rasa's endpoints file: where Rasa finds the action server, its tracker store and lock store."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

from assistant.settings import Settings


def write_rasa_endpoints(settings: Settings, path: Path) -> None:
    """Rasa's endpoints file: action server, Redis tracker store and Redis lock store."""
    url = urlparse(settings.effective_redis_url)
    store: dict[str, object] = {
        "type": "redis",
        "url": url.hostname or "127.0.0.1",
        "port": url.port or 6379,
        "db": int((url.path or "/0").lstrip("/") or 0),
        "key_prefix": "apuri",
    }
    if url.password:
        store["password"] = url.password
    if url.scheme == "rediss":
        store["use_ssl"] = True
    endpoints = {
        "action_endpoint": {"url": f"{settings.actions_url}/webhook"},
        "tracker_store": {**store, "record_exp": 30 * 24 * 3600},
        "lock_store": store,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # JSON is valid YAML; the file holds the Redis password, so only we may read it.
    path.write_text(json.dumps(endpoints, indent=2))
    path.chmod(0o600)
