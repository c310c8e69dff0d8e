"""Reading a request body as the fake does: one JSON object, its known properties, its text
fields; and the items the fake keeps (JSON bytes or dicts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spmkit import json_loads
from spmkit_testing.fake._errors import BadRequest
from spmkit_testing.fake._schema import show

__all__ = ["Stored", "json_type", "reject_unknown", "require_object", "text_field", "unpack"]

# A stored item: its JSON bytes (it came in over the wire) or a dict (given from Python).
Stored = dict[str, Any] | bytes


def unpack(stored: Stored) -> dict[str, Any]:
    """A stored item as a new dict (its JSON bytes parsed, or a copy of the dict)."""
    if isinstance(stored, bytes):
        item: dict[str, Any] = json_loads(stored)
        return item
    return dict(stored)


def json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def require_object(body: Any, what: str) -> dict[str, Any]:
    if type(body) is not dict:
        raise BadRequest(f"The body of {what} must be a JSON object, got {show(body)}.")
    return body


def reject_unknown(body: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(k for k in body if k not in allowed)
    if unknown:
        raise BadRequest(
            f"{what}: unknown propert{'y' if len(unknown) == 1 else 'ies'} "
            f"{', '.join(show(k, 40) for k in unknown[:5])}; allowed: {', '.join(sorted(allowed))}."
        )


def text_field(body: Mapping[str, Any], name: str, what: str, *, required: bool) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"{what}: {name!r} is required (a non-empty string).")
        return None
    if type(value) is not str or not value.strip() or len(value) > 255:
        raise BadRequest(
            f"{what}: {name!r} must be a non-empty string of at most 255 characters, "
            f"got {show(value)}."
        )
    return value
