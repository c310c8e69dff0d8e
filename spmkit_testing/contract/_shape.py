"""The shape of a JSON value: its field names and JSON types, flattened by path.

Two APIs agree on a wire contract when their answers have the same shape, whatever
the values (ids, timestamps, a shop's own data). A shape is a sorted ``dict`` from a
path (``$``, ``$.data``, ``$.rejected_items[]``, ``$.rejected_items[].key``) to the
JSON types seen there, joined with ``|`` (``"null|string"``).

For example::

    assert shape_of({"sent_count": 2, "rejected_items": [{"key": None}, {"key": "c1"}]}) == {
        "$": "object",
        "$.rejected_items": "array",
        "$.rejected_items[]": "object",
        "$.rejected_items[].key": "null|string",
        "$.sent_count": "number",
    }
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["Shape", "describe_shape_difference", "json_type", "shape_of"]

#: Path -> JSON types at that path (``"object"``, ``"array"``, ``"string"``, ``"number"``,
#: ``"boolean"``, ``"null"``; several joined with ``|``).
Shape = dict[str, str]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_type(value: Any) -> str:
    """The JSON type name of a parsed JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def shape_of(value: Any, *, depth: int | None = None) -> Shape:
    """The shape of ``value``; ``depth=1`` stops below the top-level fields (an envelope).

    The elements of an array share one path (``[]``): their shapes are merged.
    """
    out: dict[str, set[str]] = {}
    _walk(value, "$", out, depth)
    return {path: "|".join(sorted(types)) for path, types in sorted(out.items())}


def _walk(value: Any, path: str, out: dict[str, set[str]], depth: int | None) -> None:
    out.setdefault(path, set()).add(json_type(value))
    if depth == 0:
        return
    below = None if depth is None else depth - 1
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            step = f".{name}" if _IDENTIFIER.fullmatch(name) else f"[{name!r}]"
            _walk(item, path + step, out, below)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, path + "[]", out, below)


def _parent(path: str) -> str | None:
    if path == "$":
        return None
    if path.endswith("[]"):
        return path[:-2]
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else "$"


def describe_shape_difference(target: Shape, fake: Shape, *, on_target: str = "on the target",
                              in_fake: str = "in the fake") -> str:
    """One line naming every path whose presence or types differ (``""`` when equal);
    ``on_target`` / ``in_fake`` name the two sides.

    A path below one that is already reported is left out: a missing object is
    reported once, not once per field.
    """
    only_fake = {p for p in fake if p not in target}
    only_target = {p for p in target if p not in fake}
    changed = {p for p in fake if p in target and fake[p] != target[p]}
    reported = only_fake | only_target | changed

    def top(paths: set[str]) -> list[str]:
        return sorted(p for p in paths if _parent(p) not in reported)

    parts = []
    if only_fake:
        shown = ", ".join(f"{p} ({fake[p]})" for p in top(only_fake))
        parts.append(f"only {in_fake}: {shown}")
    if only_target:
        shown = ", ".join(f"{p} ({target[p]})" for p in top(only_target))
        parts.append(f"only {on_target}: {shown}")
    for path in top(changed):
        parts.append(f"{path} is {target[path]} {on_target}, {fake[path]} {in_fake}")
    return "; ".join(parts)
