"""The one JSON codec of spmkit and its harness: orjson, answering as the standard library.

``json_dumps`` and ``json_loads`` are exported from ``spmkit`` so that code pushing or
serving many JSON bodies (the harness's fake API and partner) gets the same codec.

orjson encodes a bulk chunk about ten times faster than ``json`` and decodes it two to
three times faster (see ``benchmarks/README.md``). Where the two would differ, the
standard library decides, so callers see exactly what ``json`` did before:

* :func:`json_dumps` falls back to ``json`` for what orjson refuses (non-str keys, integers
  beyond 64 bits, subclasses, datetimes, dataclasses) and for a value with a NaN or an
  infinity, which orjson would write as ``null``: ``allow_nan=False`` raises
  ``ValueError`` for it as ``json.dumps`` does, ``allow_nan=True`` writes ``NaN``;
* :func:`json_loads` falls back to ``json`` for what orjson refuses (``NaN``, non-UTF-8
  encodings), so the errors are the standard library's, and for a text with a run of
  20 digits or more (orjson reads an integer beyond 64 bits as a float, ``json`` as
  the exact int).

The output is compact (no spaces) either way. orjson also accepts a few types that
``json`` refuses (``uuid.UUID``, a plain ``enum.Enum``): those are written, not refused.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

__all__ = ["json_dumps", "json_loads", "utc_isoformat"]

_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_SUBCLASS)
_STRICT = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode
_LENIENT = json.JSONEncoder(separators=(",", ":")).encode
# Every digit to "0", every other byte to " ": a run of 20 digits is then a plain
# substring search (bytes.translate and `in` run in C; a regex took 4x orjson's parse).
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_TWENTY_DIGITS = b"0" * 20


def json_dumps(value: Any, *, allow_nan: bool = False) -> bytes:
    """``value`` as compact JSON bytes, or the error ``json.dumps`` would raise.

    For example::

        >>> json_dumps({"customer_id": "c1", "points": 3})
        b'{"customer_id":"c1","points":3}'
    """
    try:
        out = orjson.dumps(value, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        out = None
    # bytes.find, not `in`: `in` first tries the needle as an int (a raised and cleared
    # TypeError), which cost twice orjson's encoding of a small item.
    if out is None or (out.find(b"null") >= 0 and _has_non_finite(value)):
        return (_LENIENT if allow_nan else _STRICT)(value).encode()
    return out


def utc_isoformat(value: datetime) -> str:
    """``value.isoformat()`` of a ``datetime`` whose ``tzinfo`` is ``datetime.UTC``, written
    by orjson: the same text (``2026-01-01T12:00:00.000005+00:00``) in a third of the time.

    Only for exactly that: orjson writes an offset of seconds (``+00:00:37``) rounded to
    the minute, and a ``datetime`` subclass may have its own ``isoformat``.
    """
    return orjson.dumps(value)[1:-1].decode()


def json_loads(data: bytes | str, *, parse_constant: Callable[[str], Any] | None = None,
               parse_float: Callable[[str], Any] | None = None) -> Any:
    """Parse JSON as ``json.loads(data, parse_constant=..., parse_float=...)`` does, its
    errors included.

    ``parse_constant`` is called for ``NaN``, ``Infinity`` and ``-Infinity``, which
    orjson refuses (such a text is always parsed by the standard library).
    ``parse_float`` is for a check that refuses numbers: it must return
    ``float(text)`` for any number it accepts. orjson reads every number as the nearest
    double and refuses one that overflows to infinity, so only the texts orjson refuses
    go through the hook.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) < 20 or raw.translate(_DIGITS).find(_TWENTY_DIGITS) < 0:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data, parse_constant=parse_constant, parse_float=parse_float)


def _has_non_finite(value: Any) -> bool:
    """Whether a float NaN or infinity is anywhere in ``value`` (lists, tuples, dicts).

    Only called once orjson has encoded ``value``, so it holds no subclass of the JSON
    types (orjson refused those): exact types are enough.
    """
    if type(value) is float:
        return not math.isfinite(value)
    # Only containers go on the stack; scalars are looked at where they are found.
    stack = [value]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        kind = type(item)
        children = item.values() if kind is dict else item if kind is list or kind is tuple else ()
        for child in children:
            child_kind = type(child)
            if child_kind is float:
                if not math.isfinite(child):
                    return True
            elif child_kind is dict or child_kind is list or child_kind is tuple:
                push(child)
    return False
