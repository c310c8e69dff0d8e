"""Faults as data: what ``fault_on(name, fault)`` switches on, mapped onto the fakes.

API faults (the fake ShopiMind API, :class:`~spmkit_testing.FaultRule`)::

    http_status(503)                 # 500, 502, 503, 504, 408 (retry_after= optional)
    rate_limited(retry_after=30)     # 429 + Retry-After
    network_error()                  # the transport raises ConnectError
    timeout()                        # the transport raises ReadTimeout
    latency("2s")                    # answers, later (simulated time)
    failed_chunk()                   # 2xx with failed_count = the batch
    refused_chunk(status=422)        # the whole batch refused with a 4xx
    poison("email", value="bad@x")   # every matching item rejected (or regex="...")
    rate_limit(capacity=5, refill_per_second=0.1)   # a token bucket: 429 when empty

Each API fault takes the match arguments ``resource`` ("customers"), ``method``
("POST"), ``path`` (a glob after ``/v1/``), ``calls`` (n or (first, last)) and
``probability`` (drawn from the fake's seeded random).

Partner faults: ``partner_fault("customers", "null_page")`` (any
:class:`~spmkit_testing.SourceFault` kind on a stream) and ``stores_down()`` (the
store list ``GET /stores`` fails, so the orders step's ``sources()`` raises).

No lambdas anywhere: a scenario file with faults round-trips through ``repr``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from spmkit import InvalidArgument
from spmkit_testing.fake import FaultRule
from spmkit_testing.scenario._dsl import (
    InvalidScenario,
    call_repr,
    check_str,
    format_duration,
    parse_duration,
)
from spmkit_testing.source import SourceFault
from spmkit_testing.source._faults import KINDS as SOURCE_KINDS

__all__ = [
    "ApiFault",
    "Fault",
    "FieldMatches",
    "PartnerFault",
    "RateLimit",
    "StoresDown",
    "failed_chunk",
    "http_status",
    "latency",
    "network_error",
    "partner_fault",
    "poison",
    "rate_limit",
    "rate_limited",
    "refused_chunk",
    "stores_down",
    "timeout",
]

Undo = Callable[[], None]
Calls = int | tuple[int, int | None] | None


def _validate(build: Callable[[], object]) -> None:
    """Build the underlying rule now, so a bad fault fails where it is written."""
    try:
        build()
    except InvalidScenario:
        raise
    except InvalidArgument as exc:
        raise InvalidScenario(str(exc)) from None


@dataclass(frozen=True, slots=True)
class FieldMatches:
    """The poison predicate: ``item[field] == value``, or ``re.search(regex, item[field])``."""

    field: str
    value: Any = None
    regex: str | None = None

    def __call__(self, item: dict[str, Any]) -> bool:
        got = item.get(self.field)
        if self.regex is not None:
            return got is not None and re.search(self.regex, str(got)) is not None
        return bool(got == self.value)

    def __repr__(self) -> str:
        test = f"~ /{self.regex}/" if self.regex is not None else f"== {self.value!r}"
        return f"{self.field} {test}"


@dataclass(frozen=True, slots=True)
class ApiFault:
    """A fault rule of the fake ShopiMind API (build it with ``http_status(...)`` etc.)."""

    kind: str
    status: int | None = None
    retry_after: float | None = None
    seconds: timedelta | None = None
    field: str | None = None
    value: Any = None
    regex: str | None = None
    resource: str | None = None
    method: str | None = None
    path: str | None = None
    calls: Calls = None
    probability: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.calls, list):  # [2, 4] in a file is (2, 4)
            object.__setattr__(self, "calls", tuple(self.calls))
        _validate(self.to_rule)

    def __repr__(self) -> str:
        positional: tuple[str, ...] = ()
        skip = ["kind"]
        if self.kind == "http_status":
            positional = ("status",)
        elif self.kind == "latency":
            positional = ("seconds",)
        elif self.kind == "poison":
            positional = ("field",)
        elif self.kind == "refused_chunk" and self.status == 422:
            skip.append("status")
        return call_repr(self.kind, self, positional=positional, skip=skip)

    def to_rule(self) -> FaultRule:
        """The :class:`~spmkit_testing.FaultRule` this fault stands for."""
        match: dict[str, Any] = {"resource": self.resource, "method": self.method,
                                 "path": self.path, "calls": self.calls,
                                 "probability": self.probability}
        if self.kind == "http_status":
            return FaultRule.http_error(self.status or 503, retry_after=self.retry_after, **match)
        if self.kind == "rate_limited":
            return FaultRule.rate_limited(self.retry_after or 1.0, **match)
        if self.kind == "network_error":
            return FaultRule.connect_error(**match)
        if self.kind == "timeout":
            return FaultRule.read_timeout(**match)
        if self.kind == "latency":
            assert self.seconds is not None
            return FaultRule.latency(self.seconds.total_seconds(), **match)
        if self.kind == "failed_chunk":
            return FaultRule.failed_chunk(**match)
        if self.kind == "refused_chunk":
            return FaultRule.refused_chunk(status=self.status or 422, **match)
        if self.kind == "poison":
            assert self.field is not None
            predicate = FieldMatches(self.field, self.value, self.regex)
            return FaultRule.poison(predicate, reason=f"poisoned: {predicate!r}", **match)
        raise InvalidScenario(f"unknown API fault kind={self.kind!r}")

    def apply(self, sim: Any) -> Undo:
        handle = sim.fake.add_fault(self.to_rule())
        return lambda: sim.fake.remove_fault(handle) and None


def http_status(status: int = 503, *, retry_after: float | None = None,
                resource: str | None = None, method: str | None = None, path: str | None = None,
                calls: Calls = None, probability: float = 1.0) -> ApiFault:
    """The API answers ``status`` (500, 502, 503, 504 or 408; 429 is ``rate_limited``)."""
    return ApiFault("http_status", status=status, retry_after=retry_after, resource=resource,
                    method=method, path=path, calls=calls, probability=probability)


def rate_limited(retry_after: float = 30.0, *, resource: str | None = None,
                 method: str | None = None, path: str | None = None, calls: Calls = None,
                 probability: float = 1.0) -> ApiFault:
    """The API answers 429 with ``Retry-After: retry_after`` seconds."""
    return ApiFault("rate_limited", retry_after=retry_after, resource=resource, method=method,
                    path=path, calls=calls, probability=probability)


def network_error(*, resource: str | None = None, method: str | None = None,
                  path: str | None = None, calls: Calls = None,
                  probability: float = 1.0) -> ApiFault:
    """No answer: the transport raises ``httpx.ConnectError``."""
    return ApiFault("network_error", resource=resource, method=method, path=path, calls=calls,
                    probability=probability)


def timeout(*, resource: str | None = None, method: str | None = None, path: str | None = None,
            calls: Calls = None, probability: float = 1.0) -> ApiFault:
    """No answer in time: the transport raises ``httpx.ReadTimeout``."""
    return ApiFault("timeout", resource=resource, method=method, path=path, calls=calls,
                    probability=probability)


def latency(seconds: str | timedelta, *, resource: str | None = None, method: str | None = None,
            path: str | None = None, calls: Calls = None, probability: float = 1.0) -> ApiFault:
    """The API answers normally, ``seconds`` (a duration such as ``"2s"``) later."""
    delta = parse_duration(seconds, "seconds")
    if delta < timedelta(0):
        raise InvalidScenario(f"latency({format_duration(delta)!r}) must be >= 0s.")
    return ApiFault("latency", seconds=delta, resource=resource, method=method, path=path,
                    calls=calls, probability=probability)


def failed_chunk(*, resource: str | None = None, method: str | None = None,
                 path: str | None = None, calls: Calls = None,
                 probability: float = 1.0) -> ApiFault:
    """A bulk write answers 2xx with ``failed_count`` = the batch: nothing is stored."""
    return ApiFault("failed_chunk", resource=resource, method=method, path=path, calls=calls,
                    probability=probability)


def refused_chunk(*, status: int = 422, resource: str | None = None, method: str | None = None,
                  path: str | None = None, calls: Calls = None,
                  probability: float = 1.0) -> ApiFault:
    """A bulk write is refused as a whole with a 4xx (one bad item poisons the chunk)."""
    return ApiFault("refused_chunk", status=status, resource=resource, method=method, path=path,
                    calls=calls, probability=probability)


def poison(field: str, *, value: Any = None, regex: str | None = None,
           resource: str | None = None, method: str | None = None, path: str | None = None,
           calls: Calls = None, probability: float = 1.0) -> ApiFault:
    """Every pushed item whose ``field`` equals ``value`` (or matches ``regex``) is rejected."""
    check_str(field, "field")
    if (value is None) == (regex is None):
        raise InvalidScenario(
            f"poison({field!r}) needs exactly one of value= or regex=, got value={value!r}, "
            f"regex={regex!r}; for example poison('email', value='bad@example.com')."
        )
    if regex is not None:
        try:
            re.compile(regex)
        except re.error as exc:
            raise InvalidScenario(f"poison regex={regex!r} does not compile: {exc}.") from None
    return ApiFault("poison", field=field, value=value, regex=regex, resource=resource,
                    method=method, path=path, calls=calls, probability=probability)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket on the fake API: 429 + ``Retry-After`` when it is empty."""

    capacity: float
    refill_per_second: float = 1.0

    def __post_init__(self) -> None:
        for name in ("capacity", "refill_per_second"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise InvalidScenario(f"rate_limit {name} must be a number > 0, got "
                                      f"{name}={value!r}.")

    def __repr__(self) -> str:
        return call_repr("rate_limit", self)

    def apply(self, sim: Any) -> Undo:
        sim.fake.rate_limit(self.capacity, self.refill_per_second)
        return lambda: sim.fake.rate_limit(None)


def rate_limit(capacity: float, *, refill_per_second: float = 1.0) -> RateLimit:
    """A token bucket of ``capacity`` requests refilled at ``refill_per_second``."""
    return RateLimit(capacity, refill_per_second)


@dataclass(frozen=True, slots=True)
class PartnerFault:
    """A :class:`~spmkit_testing.SourceFault` on one partner stream."""

    stream: str
    kind: str
    status: int = 500
    retry_after: float = 60.0
    count: int = 1
    times: int | None = None
    probability: float = 1.0

    def __post_init__(self) -> None:
        _validate(self.to_rule)

    def __repr__(self) -> str:
        return call_repr("partner_fault", self, positional=("stream", "kind"))

    def to_rule(self) -> SourceFault:
        return SourceFault(self.kind, status=self.status,  # type: ignore[arg-type]
                           retry_after=self.retry_after, count=self.count, times=self.times,
                           probability=self.probability, name=f"{self.stream}:{self.kind}")

    def apply(self, sim: Any) -> Undo:
        source = sim.partner.stream(self.stream)
        rule = source.add_fault(self.to_rule())
        return lambda: source.remove_fault(rule)


def partner_fault(stream: str, kind: str, *, status: int = 500, retry_after: float = 60.0,
                  count: int = 1, times: int | None = None,
                  probability: float = 1.0) -> PartnerFault:
    """A partner-side fault on ``stream`` (``"customers"``, ``"orders@store-1"``)."""
    check_str(stream, "stream")
    check_str(kind, "kind", choices=SOURCE_KINDS)
    return PartnerFault(stream, kind, status, retry_after, count, times, probability)


@dataclass(frozen=True, slots=True)
class StoresDown:
    """The partner's ``GET /stores`` fails (503): the orders step's ``sources()`` raises."""

    def __repr__(self) -> str:
        return "stores_down()"

    def apply(self, sim: Any) -> Undo:
        sim.partner.stores_fail = True

        def undo() -> None:
            sim.partner.stores_fail = False

        return undo


def stores_down() -> StoresDown:
    """The partner's store list fails (``sources()`` of the orders step raises)."""
    return StoresDown()


Fault = ApiFault | RateLimit | PartnerFault | StoresDown
