from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from spmkit import json_dumps as dumps
from spmkit import json_loads as loads


@pytest.mark.parametrize("value", [
    [{"customer_id": "c1", "email": "é@example.com", "n": 1.5, "ok": True, "none": None}],
    {"nested": [{"a": [1, 2, {"b": None}]}]},
    {1: "int key", None: "none key"},
    {"big": 2**70},
])
def test_dumps_writes_what_json_reads_back_as_the_same_value(value: object) -> None:
    assert json.loads(dumps(value)) == json.loads(json.dumps(value))


@pytest.mark.parametrize("value", [float("nan"), [1.0, {"x": float("inf")}], (None, -math.inf)])
def test_dumps_refuses_non_finite_floats_as_json_does(value: object) -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        dumps(value)
    assert dumps(value, allow_nan=True) == json.dumps(value, separators=(",", ":")).encode()


def test_dumps_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError, match="datetime is not JSON serializable"):
        dumps({"at": datetime(2026, 1, 1, tzinfo=UTC)})
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        dumps([{1, 2}])


def test_loads_reads_what_json_reads_and_raises_its_errors() -> None:
    assert loads(b'{"a": [1, 2.5, null, "x"]}') == {"a": [1, 2.5, None, "x"]}
    assert math.isnan(loads(b'{"sent_count": NaN}')["sent_count"])
    assert loads(b"123456789012345678901234567890") == 123456789012345678901234567890
    with pytest.raises(json.JSONDecodeError, match="Expecting value: line 1 column 1"):
        loads(b"not json")


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5)
    | st.floats(allow_nan=True, allow_infinity=True),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_JSONISH)
@example([(1.0, float("nan"))])
@example({"a": ({"b": [float("-inf")]}, None)})
@example({"x": [1, {"y": float("nan")}], "z": None})
def test_dumps_finds_a_non_finite_float_anywhere_as_json_does(value: object) -> None:
    """The NaN scan behind dumps: wherever a NaN or an infinity sits, dumps answers as the
    standard library (refused, or written as NaN with allow_nan=True)."""
    # The same value read back (orjson does not escape non-ASCII text; repr equates NaNs).
    assert repr(json.loads(dumps(value, allow_nan=True))) == repr(json.loads(json.dumps(value)))
    try:
        expected = json.dumps(value, allow_nan=False)
    except ValueError:
        with pytest.raises(ValueError, match="Out of range float values"):
            dumps(value)
    else:
        assert json.loads(dumps(value)) == json.loads(expected)


@given(st.datetimes(timezones=st.just(UTC)))
@example(datetime(1, 1, 1, tzinfo=UTC))
@example(datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
@example(datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC))
def test_utc_isoformat_writes_what_isoformat_writes(value: datetime) -> None:
    """The run summary's ISO text, written by orjson, is isoformat's to the character."""
    from spmkit._json import utc_isoformat

    assert utc_isoformat(value) == value.isoformat()
