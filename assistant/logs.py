"""Structured logging: one JSON object a line, events with ids, never a resident's words.

Call `event(logger, "message.handled", conversation=..., ms=...)`. Only the fields given
are written; callers pass ids, counts and timings, never text, names or phone numbers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from typing import Any

_FIELDS = "apuri_fields"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update(getattr(record, _FIELDS, {}))
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str = "INFO") -> None:
    """Send every logger's records to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access log would write request paths with query strings: keep it quiet.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # FAISS reports at INFO each CPU-specific build it tried and could not load: not news.
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)


def event(logger: logging.Logger, name: str, level: int = logging.INFO, /, **fields: Any) -> None:
    """Log one structured event."""
    logger.log(level, name, extra={_FIELDS: fields})


def pseudonym(value: str) -> str:
    """A short stable id for a conversation in logs, not reversible to the original id."""
    return hashlib.sha256(value.encode()).hexdigest()[:12]
