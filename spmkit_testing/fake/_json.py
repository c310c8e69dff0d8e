"""The fake's JSON codec: strict on the way in, so that every answer is strict JSON.

A request body is refused (400) unless the fake can always send it back:

* a number too large for a double (``1e400``) would be read as infinity and later
  written as ``Infinity``, which is not JSON; ``NaN`` and ``Infinity`` are not JSON;
* a body nested more than :data:`MAX_DEPTH` levels deep: parsing and encoding both
  recurse, and the encoder runs deeper in the stack (an answer, a copy, a reject
  message), so a body that parsed could fail on every later read. The refusal is the
  same whether the parser gave up (``RecursionError``) or the depth check did, so the
  three ways in (whose threads have different stack depths) agree on the verdict.

Answers are written with ``allow_nan=False``: should a non-finite number ever reach
an answer, the fake fails loudly instead of sending ``Infinity``.

Both go through spmkit's one codec (``spmkit.json_loads`` / ``json_dumps``: orjson, and
the standard library wherever the two would answer differently, so the verdicts and
messages above are the standard library's).
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

from spmkit import json_dumps, json_loads
from spmkit_testing.fake._errors import BadRequest
from spmkit_testing.fake._schema import show

__all__ = ["MAX_DEPTH", "TOO_DEEP", "compact_json", "nested_deeper", "read_json", "write_json"]

#: The deepest nesting of arrays and objects a request body may have (the body is level 1).
MAX_DEPTH = 64
TOO_DEEP = (
    f"The body is nested more than {MAX_DEPTH} levels deep; the fake ShopiMind API refuses "
    f"deeper JSON because it could not send it back (encoding recurses deeper than "
    f"parsing). Flatten the data."
)


def write_json(value: Any) -> bytes:
    """Compact strict JSON (``NaN`` or infinity raise ``ValueError``)."""
    return json_dumps(value)


def compact_json(value: Any) -> bytes:
    """A value :func:`read_json` returned, as JSON bytes of their own size (an item kept).

    It holds only JSON values and finite numbers (``read_json`` refused the rest), so
    orjson writes it as ``json_dumps`` would, without the NaN scan, except for an integer
    beyond 64 bits, which the standard library writes. orjson's bytes keep the 4 KiB
    buffer they were written in; the concatenation copies them to their size (a trailing
    newline, which JSON ignores).
    """
    try:
        return orjson.dumps(value) + b"\n"
    except orjson.JSONEncodeError:
        return json_dumps(value) + b"\n"


def read_json(raw: bytes) -> Any:
    """Parse a request body, or raise :class:`BadRequest` saying what is wrong."""
    try:
        # orjson where it reads exactly as the standard library (spmkit.json_loads).
        value = json_loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    except BadRequest:
        raise
    except UnicodeDecodeError:
        raise BadRequest(
            "The body is not UTF-8 text; send JSON encoded in UTF-8 with "
            "Content-Type: application/json."
        ) from None
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"The body is not valid JSON ({exc.msg} at line {exc.lineno} column "
            f"{exc.colno}); send a JSON document with Content-Type: application/json."
        ) from None
    except RecursionError:
        raise BadRequest(TOO_DEEP) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise BadRequest(
            f"The body could not be read as JSON ({type(exc).__name__}: "
            f"{show(str(exc), 80)}); send a plain JSON document."
        ) from None
    # Nesting needs at least one bracket per level: most bodies skip the walk.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and nested_deeper(value, MAX_DEPTH):
        raise BadRequest(TOO_DEEP)
    return value


def nested_deeper(value: Any, limit: int) -> bool:
    """Whether ``value`` nests arrays and objects more than ``limit`` levels deep.

    A scalar is level 0, ``[]`` level 1, ``[[]]`` level 2. Iterative: it never recurses.
    """
    stack = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        item, depth = pop()
        t = type(item)
        if t is not dict and t is not list:
            continue
        if depth > limit:
            return True
        depth += 1
        for child in item.values() if t is dict else item:
            c = type(child)
            if c is dict or c is list:
                push((child, depth))
    return False


def _no_constant(name: str) -> Any:
    raise BadRequest(f"The body contains {name}, which is not JSON; send finite numbers only.")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise BadRequest(
            f"The body contains the number {text if len(text) <= 40 else text[:37] + '...'}, "
            f"which is too large for a double (it would be Infinity, which is not JSON); send "
            f"finite numbers only."
        )
    return value
