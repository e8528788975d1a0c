"""Keeps what residents write out of Rasa's own log output (Python 3.10 Rasa environment).

Rasa echoes a message or a button payload in a few warnings: the regex message handler
warns "Failed to parse arguments in line '<the whole payload>'" (`raise_warning`, through
the `warnings` module) when a payload names an unknown intent or entity, carries entities
that are not a JSON object, or has text after them; it logs the structlog event
`message.parsing.failed` with `user_text` when a message starts with "/" but is not a
payload at all; and its structlog debug events carry the text, the entities, slot values
and tracker states under the keys its own anonymizer names.

`install()` rewrites such records before any handler prints them: the message becomes a
fixed event (`rasa.redacted event=...`), its arguments, exception and stack go. Three
rules decide:

* the warnings and log lines of Rasa's that are known to echo a message (`_ECHOING`);
* structlog events (rendered as JSON objects) lose every key Rasa's anonymizer lists;
* anything else that contains the text of the message being handled, or one of its
  payload's values, while that message is handled (`redacting(...)`).

Apuri's own loggers (`assistant.*`) log ids and counts only and are left alone.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

REDACTED = "rasa.redacted"
_INSTALLED = "_apuri_log_privacy"
_OWN_LOGGERS = ("assistant.",)
# A message this short is no evidence that a log line echoes it ("ok", "1").
_MIN_ECHO_CHARS = 4

# (what the line says, the event that replaces it), most specific first: Rasa's lines that
# quote a message or a payload.
_ECHOING: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Failed to parse arguments in line", "Expected the intent to be one of"),
     "payload.intent_unknown"),
    (("Failed to parse arguments in line", "Expected entities from"), "payload.entity_unknown"),
    (("Failed to parse arguments in line", "Failed to decode parameters"),
     "payload.entities_not_json"),
    (("Failed to parse arguments in line", "Failed to interpret some parts"),
     "payload.text_after_entities"),
    (("Failed to parse arguments in line",), "payload.unparsed"),
    (("message.parsing.failed",), "message.parsing.failed"),
    (("Invalid entity specification",), "payload.entities_invalid"),
    (("Parsed an intent '",), "payload.intent_not_in_domain"),
    (("Parsed an entity '",), "payload.entity_not_in_domain"),
    (("Event from parameters called with parameters",), "event.parameters"),
    (("Circuit breaker tripped",), "processor.circuit_breaker"),
)  # fmt: skip

# The keys rasa.utils.log_utils._anonymizer treats as personal (Rasa 3.6).
_PERSONAL_KEYS = frozenset(
    {
        "text", "response_text", "user_text", "slot_values", "parse_data_text",
        "parse_data_entities", "prediction_events", "tracker_latest_message",
        "prefilled_slots", "message", "response", "slot_candidates", "rasa_event",
        "rasa_events", "tracker_states", "current_states", "old_states", "successes",
        "current_entity", "next_entity", "states", "entity", "token_text",
        "user_message", "json_message",
    }
)  # fmt: skip

# Rasa's loggers whose records are checked even when a handler was added after install().
_RASA_LOGGERS = (
    "rasa",
    "py.warnings",
    "rasa.core.processor",
    "rasa.core.actions.action",
    "rasa.core.actions.forms",
    "rasa.core.agent",
    "rasa.core.channels.rest",
    "rasa.core.nlg.interpolator",
    "rasa.shared.core.events",
    "rasa.shared.core.training_data.story_reader.yaml_story_reader",
    "sanic.error",
)

_echoes: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "apuri_log_echoes", default=()
)


@contextlib.contextmanager
def redacting(text: str) -> Iterator[None]:
    """While a message is handled, any log line that contains it (or a string in its
    payload's entities) is redacted."""
    token = _echoes.set(tuple(_fragments(text)))
    try:
        yield
    finally:
        _echoes.reset(token)


def _fragments(text: str) -> Iterable[str]:
    """The message and each string in a payload's JSON entities, as written and as JSON
    escapes them (structlog's lines are ASCII JSON)."""
    for fragment in _plain_fragments(text):
        yield fragment
        escaped = json.dumps(fragment)[1:-1]
        if escaped != fragment:
            yield escaped


def _plain_fragments(text: str) -> Iterable[str]:
    stripped = text.strip()
    if len(stripped) >= _MIN_ECHO_CHARS:
        yield stripped
    brace = stripped.find("{")
    if stripped.startswith("/") and brace != -1:
        try:
            entities = json.loads(stripped[brace:])
        except ValueError:
            return
        yield from _strings(entities)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if len(value) >= _MIN_ECHO_CHARS:
            yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def redacted_text(text: str) -> str | None:
    """The fixed text that replaces `text`, or None when `text` may be printed."""
    for needles, name in _ECHOING:
        if all(needle in text for needle in needles):
            return f"{REDACTED} event={name}"
    if any(fragment in text for fragment in _echoes.get()):
        return f"{REDACTED} event=message.echo"
    return None


def _structlog_event(text: str) -> str | None:
    """A structlog JSON line without Rasa's personal keys, or None when it is not one or
    has none of them."""
    if not text.startswith("{"):
        return None
    try:
        event = json.loads(text)
    except ValueError:
        return None
    if not isinstance(event, dict) or "event" not in event:
        return None
    personal = _PERSONAL_KEYS.intersection(event)
    if not personal:
        return None
    kept = {k: v for k, v in event.items() if k not in personal}
    kept["redacted"] = sorted(personal)
    return json.dumps(kept, ensure_ascii=False)


class RedactingFilter(logging.Filter):
    """Rewrites Rasa's records that could quote a resident; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _INSTALLED, False) or record.name.startswith(_OWN_LOGGERS):
            return True
        setattr(record, _INSTALLED, True)
        try:
            text = record.getMessage()
        except Exception:  # a record whose arguments do not format: keep only its origin
            text = str(record.msg)
        replacement = _structlog_event(text) or redacted_text(text)
        if replacement is None and record.exc_info:
            detail = logging.Formatter().formatException(record.exc_info)
            if redacted_text(detail) is not None:
                error = record.exc_info[0].__name__ if record.exc_info[0] else "unknown"
                replacement = f"{REDACTED} event=exception error={error}"
        if replacement is not None:
            record.msg, record.args = replacement, None
            record.exc_info = record.exc_text = record.stack_info = None
        return True


_FILTER = RedactingFilter()


def _add_filter(target: logging.Filterer) -> None:
    if _FILTER not in target.filters:
        target.addFilter(_FILTER)


def _guard_warnings() -> None:
    """`rasa.shared.utils.io.raise_warning` goes through `warnings`: its text is checked
    where the warnings module shows it."""
    shown = warnings.showwarning
    if getattr(shown, _INSTALLED, False):
        return

    def showwarning(  # noqa: PLR0917 - the signature warnings.showwarning has
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        replacement = redacted_text(str(message))
        if replacement is not None:
            message, line = replacement, ""
        shown(message, category, filename, lineno, file, line)

    setattr(showwarning, _INSTALLED, True)
    warnings.showwarning = showwarning


def install() -> None:
    """Redacts from now on; safe to call again (new handlers get the filter too)."""
    root = logging.getLogger()
    for handler in root.handlers:
        _add_filter(handler)
    for name in _RASA_LOGGERS:
        _add_filter(logging.getLogger(name))
    for existing in list(logging.root.manager.loggerDict.values()):
        if isinstance(existing, logging.Logger):
            for handler in existing.handlers:
                _add_filter(handler)
    _guard_warnings()
