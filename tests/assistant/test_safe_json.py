"""`safe_json.loads`: JSON within limits, and `UnsafeJSON` (never another error) otherwise."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.safe_json import MAX_DIGITS, UnsafeJSON, loads

# Deterministic and without an example database: the same examples on every run.
PROPERTY = settings(max_examples=300, derandomize=True, database=None, deadline=None)

# Text that is valid Unicode (no surrogates), as a client's JSON may hold.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


def refusal(text: str | bytes, **limits: Any) -> UnsafeJSON:
    with pytest.raises(UnsafeJSON) as caught:
        loads(text, **limits)
    return caught.value


@PROPERTY
@given(VALUES, st.booleans())
def test_json_within_the_limits_reads_as_json_loads_reads_it(value: Any, ascii_: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_)
    assert loads(text) == json.loads(text)
    assert loads(text.encode()) == json.loads(text)


@PROPERTY
@given(st.text(max_size=200) | st.text(alphabet='[]{}"\\:,0123456789.eE-+ntrufalsNI', max_size=200))
def test_any_text_is_read_or_refused_with_unsafe_json(text: str) -> None:
    try:
        loads(text, max_depth=4)
    except UnsafeJSON as error:
        assert error.status in (400, 413, 422)
        assert error.detail


@PROPERTY
@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_with_unsafe_json(data: bytes) -> None:
    try:
        loads(data)
    except UnsafeJSON as error:
        assert error.status in (400, 413, 422)


@pytest.mark.parametrize("opening", ["[", '{"a":', '[{"a": ['])
def test_nesting_20000_deep_is_refused_before_parsing(opening: str) -> None:
    text = opening * 20_000
    error = refusal(text, max_bytes=10**6)
    assert error.status == 400
    assert error.detail == "the JSON nests deeper than 32 levels"


def test_nesting_at_the_limit_is_read_one_deeper_is_refused() -> None:
    assert loads("[" * 8 + "]" * 8, max_depth=8) == [[[[[[[[]]]]]]]]
    assert refusal("[" * 9 + "]" * 9, max_depth=8).status == 400


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"a": "[[[[[[[[[[[[[[[[{{{{{{{{{{"}),
        json.dumps(['\\"[[[[[[[[[[[[[', "\\", "]]]]"]),
        json.dumps({"[[[[[[[[[[": '"{{{{{{{{{{{{{{\\'}),
    ],
)
def test_brackets_inside_strings_are_not_nesting(text: str) -> None:
    assert loads(text, max_depth=2) == json.loads(text)


def test_an_integer_of_5000_digits_is_refused_without_a_crash() -> None:
    error = refusal('{"minutes": ' + "9" * 5000 + "}")
    assert error.status == 422
    assert error.detail == f"a number has more than {MAX_DIGITS} digits"
    assert "999" not in str(error)
    assert refusal("-" + "1" * 65).status == 422
    assert loads("-" + "1" * 64) == -int("1" * 64)


@pytest.mark.parametrize("text", ["1e999", "-1e400", "0." + "1" * 80])
def test_floats_out_of_range_or_too_long_are_refused(text: str) -> None:
    assert refusal(text).status == 422


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}'])
def test_nan_and_infinity_are_not_json(text: str) -> None:
    error = refusal(text)
    assert error.status == 400
    assert error.detail == "NaN and Infinity are not JSON"


@pytest.mark.parametrize(
    "text", ['"\\ud800"', '{"\\udfff": 1}', '["ok", {"a": ["x\\uDBFFy"]}]', '"\ud800"']
)
def test_lone_surrogates_are_refused(text: str) -> None:
    error = refusal(text)
    assert error.status == 422
    assert error.detail == "a string holds a lone surrogate (not a Unicode character)"


def test_a_surrogate_pair_is_one_character() -> None:
    assert loads('"\\ud83d\\ude00"') == "\U0001f600"
    assert loads('"\\\\ud800"') == "\\ud800"  # an escaped backslash, then plain letters


def test_size_is_checked_in_bytes_before_anything_else() -> None:
    assert refusal(b"[" + b"1," * 40_000 + b"1]").status == 413
    assert refusal('"' + "ä" * 40_000 + '"').status == 413  # 40,000 characters, 80,000 bytes
    assert loads('"' + "ä" * 1000 + '"') == "ä" * 1000


@pytest.mark.parametrize("data", [b"\xff{}", b'{"a": "\xed\xa0\x80"}', b"\xef\xbb\xbf{}"])
def test_bytes_that_are_not_utf8_json_are_refused(data: bytes) -> None:
    assert refusal(data).status == 400


def test_every_finite_float_is_kept() -> None:
    assert loads("1.5e300") == 1.5e300
    assert math.isclose(loads("-0.000001"), -1e-6)
