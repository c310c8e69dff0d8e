from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest

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
