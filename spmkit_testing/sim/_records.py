"""Partner records in scenario files: ``record(...)`` and ``records(...)``.

A record names its stream-source (``"customers"``, ``"orders@store-1"``, or in library
scenarios ``"global"`` / ``"per-source@store-1"``: the integration's first global or
per-source stream), its key, its fields (ShopiMind names: ``email``, ``amount``...;
defaults give a valid item of the stream's resource) and two times: ``at``
(``updated_at`` relative to the partner's clock when it is written) and ``lag`` (how
long after the write the partner can first serve it: a late arrival).
``poisoned=True`` is a record ShopiMind refuses (bad data the partner holds).

``records(20)`` expands into deterministic Faker records for every stream-source
(or only ``stream=``), from the scenario seed.

For example::

    record("c7", email="not-an-email", at="-1h", lag="2m")
    record("bad", poisoned=True)
    record("o1", stream="per-source@store-2", amount=12.5)
    records(50, stream="global")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from spmkit_testing._dsl import (
    InvalidScenario,
    check_int,
    check_str,
    format_duration,
    parse_duration,
    show,
)

__all__ = ["Factory", "Record", "record", "records"]

DEFAULT_STREAM = "global"
_ZERO = timedelta(0)


def _check_stream(stream: object) -> str:
    text = check_str(stream, "stream")
    name, _, source = text.partition("@")
    if not name or "/" in text or "@" in source:
        raise InvalidScenario(
            f"stream={stream!r} is not a stream-source; write 'customers', 'orders@store-1', "
            f"'global' or 'per-source@store-1'.")
    return text


@dataclass(frozen=True, slots=True)
class Record:
    """One partner record to write: stream-source, key, fields, ``at``, ``lag``, ``poisoned``."""

    key: str
    stream: str = DEFAULT_STREAM
    fields: Mapping[str, Any] = field(default_factory=dict)
    at: timedelta | None = None
    lag: timedelta = _ZERO
    poisoned: bool = False

    def __repr__(self) -> str:
        args = [repr(self.key)]
        if self.stream != DEFAULT_STREAM:
            args.append(f"stream={self.stream!r}")
        identifiers = all(isinstance(k, str) and k.isidentifier() for k in self.fields)
        if identifiers:
            args += [f"{k}={show(v)}" for k, v in self.fields.items()]
        elif self.fields:
            args.append(f"fields={show(dict(self.fields))}")
        if self.at is not None:
            args.append(f"at={format_duration(self.at)!r}")
        if self.lag != _ZERO:
            args.append(f"lag={format_duration(self.lag)!r}")
        if self.poisoned:
            args.append("poisoned=True")
        return f"record({', '.join(args)})"


def record(key: str, *, stream: str = DEFAULT_STREAM, at: str | timedelta | None = None,
           lag: str | timedelta = _ZERO, poisoned: bool = False,
           fields: Mapping[str, Any] | None = None, **more: Any) -> Record:
    """A partner record (``fields=`` for names that are not Python identifiers)."""
    check_str(key, "key")
    if fields is not None and not isinstance(fields, Mapping):
        raise InvalidScenario(f"Expected a dict for fields but got fields={fields!r}.")
    if not isinstance(poisoned, bool):
        raise InvalidScenario(f"poisoned={poisoned!r} must be True or False.")
    delay = parse_duration(lag, "lag")
    if delay < _ZERO:
        raise InvalidScenario(
            f"lag={lag!r} is negative: a record cannot be served before it is written; use "
            f"at='-5m' to stamp it in the past instead.")
    when = None if at is None else parse_duration(at, "at")
    return Record(key, _check_stream(stream), {**(fields or {}), **more}, when, delay, poisoned)


@dataclass(frozen=True, slots=True)
class Factory:
    """``count`` Faker records per stream-source, stamped over ``spread`` before now."""

    count: int
    stream: str | None = None
    prefix: str | None = None
    spread: timedelta = timedelta(hours=1)
    poisoned: bool = False

    def __repr__(self) -> str:
        args = [str(self.count)]
        if self.stream is not None:
            args.append(f"stream={self.stream!r}")
        if self.prefix is not None:
            args.append(f"prefix={self.prefix!r}")
        if self.spread != timedelta(hours=1):
            args.append(f"spread={format_duration(self.spread)!r}")
        if self.poisoned:
            args.append("poisoned=True")
        return f"records({', '.join(args)})"


def records(count: int, *, stream: str | None = None, prefix: str | None = None,
            spread: str | timedelta = "1h", poisoned: bool = False) -> Factory:
    """``count`` valid records for every stream-source (or only ``stream``), keys such as
    ``c1``.. for a customers stream and ``o1-store-1``.. for one source of an orders stream
    (``prefix`` replaces the letter), stamped evenly over ``spread`` before now;
    ``poisoned=True`` makes every one of them a record ShopiMind refuses."""
    if not isinstance(poisoned, bool):
        raise InvalidScenario(f"poisoned={poisoned!r} must be True or False.")
    return Factory(check_int(count, "count", minimum=1),
                   None if stream is None else _check_stream(stream),
                   None if prefix is None else check_str(prefix, "prefix"),
                   parse_duration(spread, "spread"), poisoned)
