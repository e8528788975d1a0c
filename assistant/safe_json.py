"""JSON from clients, read within limits: one error type, and a status for each limit.

`json.loads` alone turns some inputs into crashes rather than clear refusals: nesting
thousands deep raises RecursionError, an integer of thousands of digits raises ValueError
(Python's int-from-string limit), `NaN` and `Infinity` are accepted although JSON has no
such values, and `"\\ud800"` becomes a string with a lone surrogate that cannot be encoded
again (Redis, the database and Rasa fail on it later). `loads` checks the size first and
the nesting depth before parsing (a scan of the brackets outside strings), parses numbers
with a digit limit, and refuses non-finite numbers and lone surrogates, each with
`UnsafeJSON`: its `status` is 413 for too many bytes, 400 for text that is not JSON or
nests too deep, and 422 for a value Apuri does not take. Its `detail` names the limit and
never repeats the input.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
MAX_BYTES = 64 * 1024
MAX_DIGITS = 64

# Outside a string a backslash is not JSON anyway, so an escape pair is skipped wherever it
# is: each match is one or two characters, and the scan is linear whatever the input.
_STRUCTURE = re.compile(r'\\.|["\[\]{}]', re.DOTALL)
# Where a lone surrogate can come from: an escape in the text, or the text itself.
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")


class UnsafeJSON(ValueError):
    """The text is not JSON Apuri reads; `status` is the HTTP status that says why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def loads(
    text: str | bytes,
    *,
    max_depth: int = MAX_DEPTH,
    max_bytes: int = MAX_BYTES,
    max_digits: int = MAX_DIGITS,
) -> Any:
    """`text` parsed as JSON (UTF-8 when bytes), or `UnsafeJSON` naming the limit it broke."""
    if isinstance(text, bytes):
        if len(text) > max_bytes:
            raise UnsafeJSON(413, f"the JSON is larger than {max_bytes} bytes")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsafeJSON(400, "the JSON is not UTF-8") from None
    elif len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise UnsafeJSON(413, f"the JSON is larger than {max_bytes} bytes")
    _check_depth(text, max_depth)

    def number(literal: str) -> int:
        if len(literal.lstrip("-")) > max_digits:
            raise UnsafeJSON(422, f"a number has more than {max_digits} digits")
        return int(literal)

    def decimal(literal: str) -> float:
        if len(literal) > max_digits:
            raise UnsafeJSON(422, f"a number has more than {max_digits} digits")
        value = float(literal)
        if not math.isfinite(value):
            raise UnsafeJSON(422, "a number is too large")
        return value

    def constant(name: str) -> Any:
        raise UnsafeJSON(400, "NaN and Infinity are not JSON")

    try:
        value = json.loads(text, parse_int=number, parse_float=decimal, parse_constant=constant)
    except json.JSONDecodeError:
        raise UnsafeJSON(400, "the body is not valid JSON") from None
    except RecursionError:  # not reached within max_depth; kept so no input crashes
        raise UnsafeJSON(400, f"the JSON nests deeper than {max_depth} levels") from None
    if _MAYBE_SURROGATE.search(text) and _has_lone_surrogate(value):
        raise UnsafeJSON(422, "a string holds a lone surrogate (not a Unicode character)")
    return value


def _check_depth(text: str, max_depth: int) -> None:
    depth = 0
    in_string = False
    for match in _STRUCTURE.finditer(text):
        mark = match.group()
        if mark == '"':
            in_string = not in_string
        elif in_string or mark[0] == "\\":
            continue
        elif mark in "[{":
            depth += 1
            if depth > max_depth:
                raise UnsafeJSON(400, f"the JSON nests deeper than {max_depth} levels")
        else:
            depth -= 1


def _has_lone_surrogate(value: Any) -> bool:
    """Whether any string (key or value) in the parsed JSON cannot be encoded as UTF-8."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
