"""``Fault``: one type for everything that goes wrong, on the ShopiMind API or the partner.

A fault is an *effect* (what happens) and a *match* (when): the ``target``, the HTTP
``method``, the bulk ``resource`` or a ``path`` glob, the ``calls`` it matched (``3`` is
the 3rd matching request, ``(2, 4)`` the 2nd to the 4th, ``(5, None)`` from the 5th on),
a ``window`` of simulated time (``[start, end)``), a seeded ``probability`` and at most
``times`` firings. Build faults with the constructors, whose call is also the fault's
``repr`` (valid scenario text)::

    status(503)                                   # the ShopiMind API answers 503
    status(502, body="html", target="partner")    # a proxy's HTML page in front of the partner
    rate_limited("30s", resource="customers", calls=(1, 2))
    connect_error(target="orders@store-1")        # one source of a per-source stream
    status(503, target="orders/sources")          # the listing of the stream's sources fails
    latency("2s"), read_timeout(), connection_reset()
    failed_chunk(), refused_chunk(status=422), poison("email", regex="@example\\.com$")
    poison(keys=["bad"])                          # the item whose natural key is "bad"
    null_page(), error_page(), duplicate_page(count=2), reordered_page()
    token_bucket(5, refill_per_second=0.1)        # a rate limit on the simulated clock

Targets: ``"api"`` (the fake ShopiMind API, the default of API effects), ``"partner"``
(every partner request, the default of page effects), ``"<stream>"`` (a partner stream,
all its sources), ``"<stream>@<source>"`` (one source), ``"<stream>/sources"`` (the
listing of a per-source stream's sources). In library scenarios ``"global"`` and
``"per-source"`` stand for the integration's first global and per-source stream.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from spmkit import bulk_resource
from spmkit_testing._dsl import InvalidScenario, check_str, parse_duration, parse_instant
from spmkit_testing.faults._effects import (
    BODY_KINDS,
    ConnectError,
    ConnectionReset,
    DuplicatePage,
    Effect,
    ErrorPage,
    FailedChunk,
    Latency,
    NullPage,
    Poison,
    RateLimited,
    ReadTimeout,
    RefusedChunk,
    ReorderedPage,
    Status,
    TokenBucket,
)

__all__ = [
    "Calls",
    "Fault",
    "Target",
    "connect_error",
    "connection_reset",
    "duplicate_page",
    "error_page",
    "failed_chunk",
    "latency",
    "null_page",
    "poison",
    "rate_limited",
    "read_timeout",
    "refused_chunk",
    "reordered_page",
    "status",
    "token_bucket",
]

Calls = int | tuple[int, int | None] | Sequence[int | None] | None
_TARGET = re.compile(r"^(?P<stream>[^@/\s]+)(?:@(?P<source>[^@/\s]+)|(?P<sources>/sources))?$")
_HTTP_STATUS = range(100, 600)
_DEFAULT_RETRY_AFTER = "30s"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a fault applies, parsed: the API, or a partner stream, source or listing."""

    api: bool
    stream: str | None = None
    source: str | None = None
    sources_listing: bool = False

    @classmethod
    def parse(cls, text: str) -> Target:
        if text == "api":
            return cls(api=True)
        if text == "partner":
            return cls(api=False)
        match = _TARGET.match(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidScenario(
                f"target={text!r} is not a fault target; use 'api', 'partner', a stream such "
                f"as 'customers', one source such as 'orders@store-1', or a source listing "
                f"such as 'orders/sources'."
            )
        return cls(api=False, stream=match["stream"], source=match["source"],
                   sources_listing=match["sources"] is not None)


def _calls(value: object) -> tuple[int, int | None] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    if isinstance(value, list | tuple) and len(value) == 2:
        first, last = value
        if (isinstance(first, int) and not isinstance(first, bool) and first >= 1
                and (last is None or (isinstance(last, int) and not isinstance(last, bool)
                                      and last >= first))):
            return (first, last)
    raise InvalidScenario(
        f"calls must be n >= 1 (the nth matching request) or (first, last) inclusive, last "
        f"None for 'from first on'; got calls={value!r} (type={type(value).__name__})."
    )


def _window(value: object) -> tuple[datetime, datetime] | None:
    if value is None:
        return None
    if isinstance(value, list | tuple) and len(value) == 2:
        start, end = (parse_instant(v, "window[]") for v in value)
        if start < end:
            return (start, end)
    raise InvalidScenario(
        f"window must be (start, end) instants with start < end, such as "
        f"('2026-01-01T00:05:00Z', '2026-01-01T00:10:00Z'); got window={value!r}."
    )


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault: an effect and when it fires. Build it with a constructor (``status(503)``).

    Faults are values (frozen, comparable); the registry that holds an active one
    counts how often it matched and fired.
    """

    effect: Effect
    target: str = "api"
    method: str | None = None
    resource: str | None = None
    path: str | None = None
    calls: tuple[int, int | None] | None = None
    window: tuple[datetime, datetime] | None = None
    probability: float = 1.0
    times: int | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__
        parsed = Target.parse(self.target)
        side = "api" if parsed.api else "partner"
        if side not in self.effect.targets:
            where = "the ShopiMind API" if side == "partner" else "a partner stream"
            raise InvalidScenario(
                f"{self.effect.verb}() only applies to {where}; got target={self.target!r}."
            )
        if self.method is not None:
            if not isinstance(self.method, str) or not self.method.isalpha():
                raise InvalidScenario(
                    f"method must be an HTTP verb such as 'POST', got method={self.method!r}."
                )
            put(self, "method", self.method.upper())
        if self.resource is not None:
            if not parsed.api:
                raise InvalidScenario(
                    f"resource={self.resource!r} names a ShopiMind bulk resource; a partner "
                    f"fault picks its stream with target=... instead."
                )
            bulk_resource(self.resource)
        if self.path is not None and not isinstance(self.path, str):
            raise InvalidScenario(f"path must be a glob such as 'customers*', got {self.path!r}.")
        put(self, "calls", _calls(self.calls))
        put(self, "window", _window(self.window))
        p = self.probability
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
            raise InvalidScenario(f"probability must be a number in [0, 1], got probability={p!r}.")
        if self.times is not None and (isinstance(self.times, bool)
                                       or not isinstance(self.times, int) or self.times < 1):
            raise InvalidScenario(f"times must be an int >= 1 or None, got times={self.times!r}.")

    @property
    def where(self) -> Target:
        """The parsed target."""
        return Target.parse(self.target)

    def retargeted(self, target: str) -> Fault:
        """The same fault on another target (used to resolve ``"global"``-style names)."""
        return Fault(self.effect, target, self.method, self.resource, self.path, self.calls,
                     self.window, self.probability, self.times)

    def __repr__(self) -> str:
        args = self.effect.args()
        default_target = "api" if "api" in self.effect.targets else "partner"
        if self.target != default_target:
            args.append(f"target={self.target!r}")
        for name in ("method", "resource", "path"):
            value = getattr(self, name)
            if value is not None:
                args.append(f"{name}={value!r}")
        if self.calls is not None:
            first, last = self.calls
            args.append(f"calls={first}" if first == last else f"calls=({first}, {last})")
        if self.window is not None:
            start, end = (w.isoformat().replace("+00:00", "Z") for w in self.window)
            args.append(f"window=({start!r}, {end!r})")
        if self.probability != 1.0:
            args.append(f"probability={self.probability!r}")
        if self.times is not None:
            args.append(f"times={self.times}")
        return f"{self.effect.verb}({', '.join(args)})"


def _fault(effect: Effect, match: Mapping[str, Any]) -> Fault:
    unknown = sorted(set(match) - _MATCH_NAMES)
    if unknown:
        raise InvalidScenario(
            f"{effect.verb}() got unexpected keyword(s) {', '.join(unknown)}; a fault takes "
            f"target, method, resource, path, calls, window, probability and times."
        )
    default = "api" if "api" in effect.targets else "partner"
    return Fault(effect, **{"target": default, **match})


_MATCH_NAMES = frozenset({"target", "method", "resource", "path", "calls", "window",
                          "probability", "times"})


def _delay(value: object, name: str) -> timedelta:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise InvalidScenario(
            f"{name}={value!r} is a bare number; write durations as strings such as "
            f"{f'{value:g}s'!r} (or pass a datetime.timedelta)."
        )
    delta = parse_duration(value, name)
    if delta < timedelta(0):
        raise InvalidScenario(f"{name}={value!r} must be >= 0s.")
    return delta


def status(code: int = 503, *, body: str = "json", retry_after: str | timedelta | None = None,
           message: str | None = None, **match: Any) -> Fault:
    """Answer HTTP ``code`` (any 1xx-5xx; 429 is usually :func:`rate_limited`).

    ``body`` is ``"json"`` (an error object), ``"empty"``, ``"html"`` (a proxy's page) or
    ``"text"``. For a whole bulk batch refused with a 4xx use :func:`refused_chunk`.
    """
    if isinstance(code, bool) or not isinstance(code, int) or code not in _HTTP_STATUS:
        raise InvalidScenario(f"status(code={code!r}) must be an HTTP status such as 503.")
    if code < 400:
        raise InvalidScenario(
            f"status({code}) is not a failure; a fault answers 4xx or 5xx (to slow an answer "
            f"down use latency('2s'))."
        )
    check_str(body, "body", choices=BODY_KINDS)
    after = None if retry_after is None else _delay(retry_after, "retry_after")
    return _fault(Status(code, body, after, message), match)  # type: ignore[arg-type]


def rate_limited(retry_after: str | timedelta = _DEFAULT_RETRY_AFTER, *, body: str = "json",
                 **match: Any) -> Fault:
    """Answer 429 with ``Retry-After`` (default 30 s)."""
    check_str(body, "body", choices=BODY_KINDS)
    return _fault(RateLimited(_delay(retry_after, "retry_after"), body), match)  # type: ignore[arg-type]


def connect_error(**match: Any) -> Fault:
    """No connection at all (``httpx.ConnectError``)."""
    return _fault(ConnectError(), match)


def connection_reset(**match: Any) -> Fault:
    """The connection drops before the answer (``httpx.ReadError``); nothing is handled."""
    return _fault(ConnectionReset(), match)


def read_timeout(**match: Any) -> Fault:
    """No answer in time (``httpx.ReadTimeout``); nothing is handled."""
    return _fault(ReadTimeout(), match)


def latency(delay: str | timedelta, **match: Any) -> Fault:
    """Answer normally, ``delay`` of simulated time later (``latency("2s")``)."""
    return _fault(Latency(_delay(delay, "delay")), match)


def failed_chunk(**match: Any) -> Fault:
    """A bulk write answers 2xx with ``failed_count`` = the whole batch; nothing is stored."""
    return _fault(FailedChunk(), match)


def refused_chunk(*, status: int = 422, message: str | None = None, **match: Any) -> Fault:
    """A bulk write is refused as a whole with a 4xx (other than 401 and 429)."""
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 499 \
            or status in (401, 429):
        raise InvalidScenario(
            f"refused_chunk(status={status!r}) must be a 4xx other than 401 and 429."
        )
    return _fault(RefusedChunk(status, message), match)


def poison(field: str | None = None, *, value: Any = None, regex: str | None = None,
           keys: Sequence[str] = (), reason: str | None = None,
           predicate: Callable[[Mapping[str, Any]], bool] | None = None, **match: Any) -> Fault:
    """Reject the matching items of a bulk write (inside a 2xx, as the API does).

    Exactly one test: ``field`` with ``value=`` or ``regex=``; ``keys=[...]`` (the item's
    natural key); or ``predicate=`` (a Python function; it cannot be written to a
    scenario file).
    """
    tests = sum([field is not None, bool(keys), predicate is not None])
    if tests != 1:
        raise InvalidScenario(
            "poison() needs exactly one test: a field with value= or regex= (poison('email', "
            "value='bad@example.com')), keys=['bad'], or predicate=lambda item: ...."
        )
    if field is not None:
        check_str(field, "field")
        if (value is None) == (regex is None):
            raise InvalidScenario(
                f"poison({field!r}) needs exactly one of value= or regex=, got value={value!r}, "
                f"regex={regex!r}."
            )
        if regex is not None:
            try:
                re.compile(regex)
            except re.error as exc:
                raise InvalidScenario(f"poison regex={regex!r} does not compile: {exc}.") from None
    if isinstance(keys, str):
        raise InvalidScenario(f"poison(keys={keys!r}) takes a list of keys, such as ['bad'].")
    key_tuple = tuple(check_str(k, "keys[]") for k in keys)
    if predicate is not None and not callable(predicate):
        raise InvalidScenario(f"poison(predicate={predicate!r}) must be a function of the item.")
    return _fault(Poison(field, value, regex, key_tuple, reason, predicate), match)


def null_page(**match: Any) -> Fault:
    """The partner answers 200 with ``null`` where the records belong."""
    return _fault(NullPage(), match)


def error_page(**match: Any) -> Fault:
    """The partner answers 200 with an error object instead of a page."""
    return _fault(ErrorPage(), match)


def duplicate_page(count: int = 1, **match: Any) -> Fault:
    """The partner serves ``count`` records already served again, in front of the page."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidScenario(f"duplicate_page(count={count!r}) must be an int >= 1.")
    return _fault(DuplicatePage(count), match)


def reordered_page(**match: Any) -> Fault:
    """The partner serves the page's records out of order."""
    return _fault(ReorderedPage(), match)


def token_bucket(capacity: float, *, refill_per_second: float = 1.0, **match: Any) -> Fault:
    """A rate limit on the simulated clock: ``capacity`` requests, refilled at
    ``refill_per_second``; an empty bucket answers 429 + ``Retry-After``."""
    for name, number in (("capacity", capacity), ("refill_per_second", refill_per_second)):
        if isinstance(number, bool) or not isinstance(number, int | float) \
                or not math.isfinite(number) or number <= 0:
            raise InvalidScenario(f"token_bucket {name} must be a number > 0, got {number!r}.")
    if capacity < 1:
        raise InvalidScenario(
            f"token_bucket capacity must be >= 1 (one request), got {capacity!r}.")
    return _fault(TokenBucket(float(capacity), float(refill_per_second)), match)
