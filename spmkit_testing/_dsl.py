"""Shared pieces of the scenario DSL: durations, instants, argument checks, and reprs.

Every DSL element is a frozen dataclass whose ``repr`` is the DSL call that builds
it, showing only the fields that differ from their defaults, so a scenario printed
with ``repr`` (or written with :meth:`Scenario.to_source`) is valid DSL text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from spmkit import InvalidArgument

__all__ = [
    "ROLES",
    "InvalidScenario",
    "call_repr",
    "check_int",
    "check_str",
    "format_duration",
    "format_instant",
    "parse_duration",
    "parse_instant",
    "show",
]


#: Names that stand for "the first global stream" and "the first per-source stream" in
#: library scenarios, so one scenario applies to any integration that has such a stream.
ROLES = ("global", "per-source")


class InvalidScenario(InvalidArgument):
    """A scenario, or one of its elements, was built with a bad argument."""


_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^([+-]?)((?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+)$")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def parse_duration(value: object, name: str) -> timedelta:
    """``"90s"``, ``"5m"``, ``"2h"``, ``"1d"``, ``"-30m"``, ``"1h30m"`` or a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if match:
            seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(match.group(2)))
            delta = timedelta(seconds=seconds)
            return -delta if match.group(1) == "-" else delta
    raise InvalidScenario(
        f"Expected a duration for {name} but got {name}={value!r} "
        f"(type={type(value).__name__}); write it as a short string such as '90s', '5m', "
        f"'2h', '1d' or '-30m', or pass a datetime.timedelta."
    )


def format_duration(delta: timedelta) -> str:
    """The short form of a timedelta: ``"90s"``, ``"5m"``, ``"-30m"``, ``"1d"``, ``"250ms"``."""
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    if micros == 0:
        return "0s"
    if micros % 1_000_000 and micros % 1000 == 0 and micros < 60_000_000:
        return f"{sign}{micros // 1000}ms"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        whole, micros = divmod(micros, size * 1_000_000)
        if whole:
            parts.append(f"{whole}{unit}")
    if micros:
        whole, frac = divmod(micros, 1_000_000)
        parts.append(f"{whole}s" if not frac else f"{whole}.{frac:06d}".rstrip("0") + "s")
    return sign + "".join(parts)


def parse_instant(value: object, name: str) -> datetime:
    """An aware datetime from an ISO-8601 string (``Z`` allowed) or a datetime."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidScenario(
                f"{name}={value!r} is not an ISO-8601 instant; write it like "
                f"'2026-01-01T00:00:00Z'."
            ) from None
    else:
        raise InvalidScenario(
            f"Expected an instant for {name} but got {name}={value!r} "
            f"(type={type(value).__name__}); write it like '2026-01-01T00:00:00Z'."
        )
    if parsed.utcoffset() is None:
        raise InvalidScenario(
            f"{name}={value!r} has no timezone; add 'Z' or '+00:00' (scenarios run in UTC)."
        )
    return parsed.astimezone(UTC)


def format_instant(value: datetime) -> str:
    """``2026-01-01T00:00:00Z`` (UTC; microseconds only when present)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def check_int(value: object, name: str, *, minimum: int = 0) -> int:
    """An int >= ``minimum`` (not a bool), or an error naming the argument."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidScenario(
            f"Expected an int >= {minimum} for {name} but got {name}={value!r} "
            f"(type={type(value).__name__})."
        )
    return value


def check_str(value: object, name: str, *, choices: Sequence[str] | None = None) -> str:
    """A non-empty str (one of ``choices`` when given), or an error listing them."""
    if not isinstance(value, str) or not value:
        raise InvalidScenario(
            f"Expected a non-empty str for {name} but got {name}={value!r} "
            f"(type={type(value).__name__})."
        )
    if choices is not None and value not in choices:
        raise InvalidScenario(
            f"Unknown {name}={value!r}; choose from: {', '.join(repr(c) for c in choices)}."
        )
    return value


def show(value: Any) -> str:
    """The DSL text of one argument value."""
    if isinstance(value, timedelta):
        return repr(format_duration(value))
    if isinstance(value, datetime):
        return repr(format_instant(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {show(v)}" for k, v in value.items()) + "}"
    return repr(value)


def call_repr(name: str, obj: Any, *, positional: Sequence[str] = (),
              star: str | None = None, skip: Sequence[str] = ()) -> str:
    """``name(pos..., *star..., field=value, ...)`` for a dataclass, defaults left out."""
    parts = [show(getattr(obj, p)) for p in positional]
    if star is not None:
        parts.extend(show(v) for v in getattr(obj, star))
    for f in fields(obj):
        if f.name in positional or f.name == star or f.name in skip:
            continue
        value = getattr(obj, f.name)
        if f.default is not MISSING:
            default: Any = f.default
        elif f.default_factory is not MISSING:
            default = f.default_factory()
        else:
            default = MISSING
        if default is not MISSING and value == default:
            continue
        parts.append(f"{f.name}={show(value)}")
    return f"{name}({', '.join(parts)})"
