"""Declarative, seeded fault rules for the fake API, and its token-bucket rate limit.

A :class:`FaultRule` says *what goes wrong* (its effect) and *when* (its match): a
method, a path glob or a bulk resource, the nth matching call (``calls=(2, 4)`` is the
2nd to the 4th), a window of simulated time ``[start, end)``, a probability drawn from
the fake's ``random.Random(seed)``. Build rules with the constructors::

    fake.add_fault(FaultRule.http_error(503, resource="customers", calls=(2, 4)))
    fake.add_fault(FaultRule.rate_limited(retry_after=30, method="POST"))
    fake.add_fault(FaultRule.connect_error(path="orders", probability=0.1))
    fake.add_fault(FaultRule.read_timeout(resource="products", calls=1))
    fake.add_fault(FaultRule.latency(2.5))
    fake.add_fault(FaultRule.failed_chunk(resource="customers", calls=3))
    fake.add_fault(FaultRule.refused_chunk(resource="orders"))
    fake.add_fault(FaultRule.poison(lambda item: item.get("email", "").endswith("@x.test")))

Every matching rule advances its own call counter (the counter lives in the fake,
not in the frozen rule). Latency and poison rules add up; the first other rule that
fires decides the answer. ``failed_chunk``, ``refused_chunk`` and ``poison`` only
match bulk writes (POST/PUT of a batch).
"""

from __future__ import annotations

import fnmatch
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypedDict, Unpack

from spmkit._errors import InvalidArgument
from spmkit._resources import bulk_resource

__all__ = [
    "Decision",
    "FailedChunk",
    "FaultBook",
    "FaultEffect",
    "FaultHandle",
    "FaultRule",
    "HttpError",
    "Latency",
    "NetworkError",
    "PoisonItems",
    "RefusedChunk",
    "RequestInfo",
]

_HTTP_FAULT_STATUSES = (408, 429, 500, 502, 503, 504)


@dataclass(frozen=True, slots=True)
class HttpError:
    """Answer ``status`` (with ``Retry-After`` when given) instead of handling the request."""

    status: int
    retry_after: float | None = None
    message: str | None = None
    terminal = True
    bulk_only = False

    def args_repr(self) -> list[str]:
        args = [str(self.status)] if self.status != 429 else []
        if self.retry_after is not None:
            args.append(f"retry_after={self.retry_after!r}")
        if self.message is not None:
            args.append(f"message={self.message!r}")
        return args

    @property
    def verb(self) -> str:
        return "rate_limited" if self.status == 429 else "http_error"


@dataclass(frozen=True, slots=True)
class NetworkError:
    """No answer at all: the transport raises ``httpx.ConnectError`` or ``httpx.ReadTimeout``."""

    kind: Literal["connect", "read_timeout"]
    terminal = True
    bulk_only = False

    def args_repr(self) -> list[str]:
        return []

    @property
    def verb(self) -> str:
        return "connect_error" if self.kind == "connect" else "read_timeout"


@dataclass(frozen=True, slots=True)
class Latency:
    """Answer normally, ``seconds`` of simulated time later."""

    seconds: float
    terminal = False
    bulk_only = False
    verb = "latency"

    def args_repr(self) -> list[str]:
        return [repr(self.seconds)]


@dataclass(frozen=True, slots=True)
class FailedChunk:
    """Answer 200 with ``failed_count`` = the batch size; nothing is stored."""

    terminal = True
    bulk_only = True
    verb = "failed_chunk"

    def args_repr(self) -> list[str]:
        return []


@dataclass(frozen=True, slots=True)
class RefusedChunk:
    """Refuse the whole batch with a 4xx (default 422); nothing is stored."""

    status: int = 422
    message: str | None = None
    terminal = True
    bulk_only = True
    verb = "refused_chunk"

    def args_repr(self) -> list[str]:
        args = [] if self.status == 422 else [f"status={self.status}"]
        if self.message is not None:
            args.append(f"message={self.message!r}")
        return args


@dataclass(frozen=True, slots=True)
class PoisonItems:
    """Reject every item of a batch for which ``predicate(item)`` is true, with ``reason``."""

    predicate: Callable[[dict[str, Any]], bool]
    reason: str
    terminal = False
    bulk_only = True
    verb = "poison"

    def args_repr(self) -> list[str]:
        name = getattr(self.predicate, "__qualname__", None) or repr(self.predicate)
        return [name, f"reason={self.reason!r}"]


FaultEffect = HttpError | NetworkError | Latency | FailedChunk | RefusedChunk | PoisonItems


class MatchArgs(TypedDict, total=False):
    """When a rule applies; every given condition must hold."""

    method: str | None
    path: str | None
    resource: str | None
    calls: int | tuple[int, int | None] | None
    window: tuple[datetime, datetime] | None
    probability: float


def _check_window(window: Any) -> tuple[datetime, datetime] | None:
    if window is None:
        return None
    if (
        not isinstance(window, tuple)
        or len(window) != 2
        or not all(isinstance(w, datetime) and w.utcoffset() is not None for w in window)
        or not window[0] < window[1]
    ):
        raise InvalidArgument(
            f"window must be a tuple (start, end) of aware datetimes with start < end, got "
            f"window={window!r}; for example (t0, t0 + timedelta(minutes=5))."
        )
    return window


def _check_calls(calls: Any) -> tuple[int, int | None] | None:
    if calls is None:
        return None
    if isinstance(calls, int) and not isinstance(calls, bool):
        calls = (calls, calls)
    if (
        isinstance(calls, tuple)
        and len(calls) == 2
        and isinstance(calls[0], int)
        and calls[0] >= 1
        and (calls[1] is None or (isinstance(calls[1], int) and calls[1] >= calls[0]))
    ):
        return calls
    raise InvalidArgument(
        f"calls must be n >= 1 (the nth matching call) or (first, last) inclusive, last "
        f"may be None for 'from first on'; got calls={calls!r} (type={type(calls).__name__})."
    )


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One fault: an effect and the conditions under which it fires.

    Prefer the constructors (``FaultRule.http_error(503, ...)``); their keyword
    arguments are the conditions: ``method`` ("POST"), ``path`` (a glob such as
    ``"customers*"`` matched against the path after ``/v1/``, or against the whole
    path when it starts with ``/``), ``resource`` (a bulk resource name), ``calls``
    (``n`` or ``(first, last)``, 1-based, counting the requests this rule matched),
    ``window`` (``(start, end)`` of simulated time, end excluded) and ``probability``.
    """

    effect: FaultEffect
    method: str | None = None
    path: str | None = None
    resource: str | None = None
    calls: int | tuple[int, int | None] | None = None
    window: tuple[datetime, datetime] | None = None
    probability: float = 1.0
    call_range: tuple[int, int | None] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.method is not None:
            if not isinstance(self.method, str) or not self.method.isalpha():
                raise InvalidArgument(
                    f"method must be an HTTP verb such as 'POST', got {self.method!r}."
                )
            object.__setattr__(self, "method", self.method.upper())
        if self.path is not None and not isinstance(self.path, str):
            raise InvalidArgument(
                f"path must be a glob string such as 'customers*', got {self.path!r}."
            )
        if self.resource is not None:
            bulk_resource(self.resource)
        object.__setattr__(self, "call_range", _check_calls(self.calls))
        object.__setattr__(self, "calls", self.call_range)
        object.__setattr__(self, "window", _check_window(self.window))
        p = self.probability
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise InvalidArgument(f"probability must be a number in [0, 1], got probability={p!r}.")

    # -- constructors -------------------------------------------------------------------

    @classmethod
    def http_error(
        cls, status: int = 503, *, retry_after: float | None = None, message: str | None = None,
        **match: Unpack[MatchArgs],
    ) -> FaultRule:  # fmt: skip
        """Answer ``status`` (408, 429, 500, 502, 503 or 504) instead of handling the request."""
        if status not in _HTTP_FAULT_STATUSES:
            raise InvalidArgument(
                f"http_error status must be one of {_HTTP_FAULT_STATUSES}, got status={status!r}; "
                f"for a whole batch refused with a 4xx use FaultRule.refused_chunk(status=...)."
            )
        _check_seconds(retry_after, "retry_after", allow_none=True)
        return cls(HttpError(status, retry_after, message), **match)

    @classmethod
    def rate_limited(
        cls, retry_after: float = 1.0, *, message: str | None = None, **match: Unpack[MatchArgs]
    ) -> FaultRule:
        """Answer 429 with ``Retry-After: retry_after`` (seconds, rounded up)."""
        _check_seconds(retry_after, "retry_after", allow_none=False)
        return cls(HttpError(429, retry_after, message), **match)

    @classmethod
    def connect_error(cls, **match: Unpack[MatchArgs]) -> FaultRule:
        """The transport raises ``httpx.ConnectError`` (nothing reached the API)."""
        return cls(NetworkError("connect"), **match)

    @classmethod
    def read_timeout(cls, **match: Unpack[MatchArgs]) -> FaultRule:
        """The transport raises ``httpx.ReadTimeout`` (nothing is stored)."""
        return cls(NetworkError("read_timeout"), **match)

    @classmethod
    def latency(cls, seconds: float, **match: Unpack[MatchArgs]) -> FaultRule:
        """Answer normally after ``seconds`` of simulated time (awaits ``clock.sleep``)."""
        _check_seconds(seconds, "seconds", allow_none=False)
        return cls(Latency(float(seconds)), **match)

    @classmethod
    def failed_chunk(cls, **match: Unpack[MatchArgs]) -> FaultRule:
        """Answer 200 with the whole batch in ``failed_count``; nothing is stored."""
        return cls(FailedChunk(), **match)

    @classmethod
    def refused_chunk(
        cls, *, status: int = 422, message: str | None = None, **match: Unpack[MatchArgs]
    ) -> FaultRule:
        """Refuse the whole batch with a 4xx (a poisoned chunk); nothing is stored."""
        if not isinstance(status, int) or not 400 <= status <= 499 or status in (401, 429):
            raise InvalidArgument(
                f"refused_chunk status must be a 4xx other than 401 and 429, got status={status!r}."
            )
        return cls(RefusedChunk(status, message), **match)

    @classmethod
    def poison(
        cls,
        predicate: Callable[[dict[str, Any]], bool],
        *,
        reason: str = "poisoned item (fault rule)",
        **match: Unpack[MatchArgs],
    ) -> FaultRule:
        """Reject every item for which ``predicate(item)`` is true, with ``reason``."""
        if not callable(predicate):
            raise InvalidArgument(
                f"poison needs a callable predicate(item) -> bool, got {predicate!r} "
                f"(type={type(predicate).__name__}); for example lambda item: item.get('x') == 1."
            )
        return cls(PoisonItems(predicate, reason), **match)

    def __repr__(self) -> str:
        args = self.effect.args_repr()
        for name in ("method", "path", "resource", "calls", "window", "probability"):
            value = getattr(self, name)
            if value is not None and not (name == "probability" and value == 1.0):
                if name == "calls" and isinstance(value, tuple) and value[0] == value[1]:
                    value = value[0]
                elif name == "window":
                    value = (value[0].isoformat(), value[1].isoformat())
                args.append(f"{name}={value!r}")
        return f"FaultRule.{self.effect.verb}({', '.join(args)})"


def _check_seconds(value: Any, name: str, *, allow_none: bool) -> None:
    if value is None and allow_none:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidArgument(f"{name} must be a number of seconds >= 0, got {name}={value!r}.")


@dataclass(frozen=True, slots=True)
class FaultHandle:
    """What :meth:`FakeShopimind.add_fault` returns; pass it to ``remove_fault``."""

    id: int
    rule: FaultRule

    def __repr__(self) -> str:
        return f"<fault #{self.id} {self.rule!r}>"


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What fault rules look at: the method, the path after ``/v1/`` and the resource."""

    method: str
    path: str
    resource: str | None
    bulk_write: bool


@dataclass(frozen=True, slots=True)
class Decision:
    """The faults that apply to one request."""

    delay: float = 0.0
    terminal: FaultEffect | None = None
    poisons: tuple[tuple[Callable[[dict[str, Any]], bool], str], ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def label(self) -> str | None:
        return " + ".join(self.labels) if self.labels else None


NO_FAULT = Decision()


@dataclass(slots=True)
class _Entry:
    handle: FaultHandle
    count: int = 0


@dataclass(slots=True)
class _Bucket:
    capacity: float
    refill: float
    tokens: float
    last: datetime | None = None

    def take(self, now: datetime) -> int | None:
        """Take a token; return the whole seconds to wait when there is none."""
        if self.last is not None and now > self.last:
            elapsed = (now - self.last).total_seconds()
            self.tokens = min(self.capacity, self.tokens + elapsed * self.refill)
        self.last = now if self.last is None or now > self.last else self.last
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - self.tokens) / self.refill))


@dataclass(slots=True)
class FaultBook:
    """The active rules of one fake, their call counters and the rate limit."""

    rng: random.Random
    entries: list[_Entry] = field(default_factory=list)
    bucket: _Bucket | None = None
    next_id: int = 1

    @property
    def active(self) -> bool:
        return bool(self.entries) or self.bucket is not None

    def add(self, rule: FaultRule) -> FaultHandle:
        if not isinstance(rule, FaultRule):
            raise InvalidArgument(
                f"add_fault expects a FaultRule, got {rule!r} (type={type(rule).__name__}); "
                f"build one with FaultRule.http_error(...), FaultRule.poison(...), etc."
            )
        handle = FaultHandle(self.next_id, rule)
        self.next_id += 1
        # Copy on write: a request being decided keeps the list it started with.
        self.entries = [*self.entries, _Entry(handle)]
        return handle

    def remove(self, handle: FaultHandle) -> bool:
        kept = [e for e in self.entries if e.handle != handle]
        removed = len(kept) != len(self.entries)
        self.entries = kept
        return removed

    def clear(self) -> None:
        self.entries = []

    def rules(self) -> list[FaultHandle]:
        return [e.handle for e in self.entries]

    def rate_limit(self, capacity: float | None, refill_per_second: float) -> None:
        if capacity is None:
            self.bucket = None
            return
        for name, value in (("capacity", capacity), ("refill_per_second", refill_per_second)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise InvalidArgument(f"{name} must be a number > 0, got {name}={value!r}.")
        if capacity < 1:
            raise InvalidArgument(f"capacity must be >= 1 (one request), got {capacity!r}.")
        self.bucket = _Bucket(float(capacity), float(refill_per_second), float(capacity))

    def decide(self, req: RequestInfo, now: datetime) -> Decision:
        """Advance the counters of the matching rules and say what happens."""
        delay = 0.0
        terminal: FaultEffect | None = None
        poisons: list[tuple[Callable[[dict[str, Any]], bool], str]] = []
        labels: list[str] = []
        for entry in self.entries:
            rule = entry.handle.rule
            if not _matches(rule, req):
                continue
            entry.count += 1
            if rule.call_range is not None:
                first, last = rule.call_range
                if entry.count < first or (last is not None and entry.count > last):
                    continue
            if rule.window is not None and not rule.window[0] <= now < rule.window[1]:
                continue
            if rule.probability < 1.0 and not self.rng.random() < rule.probability:
                continue
            effect = rule.effect
            if isinstance(effect, Latency):
                delay += effect.seconds
            elif isinstance(effect, PoisonItems):
                poisons.append((effect.predicate, effect.reason))
            elif terminal is None:
                terminal = effect
            else:
                continue
            labels.append(repr(rule))
        if terminal is None and self.bucket is not None:
            wait = self.bucket.take(now)
            if wait is not None:
                bucket = (
                    f"capacity={self.bucket.capacity:g}, refill_per_second={self.bucket.refill:g}"
                )
                message = f"Rate limit exceeded ({bucket}); retry after {wait} s."
                labels.append(f"rate_limit({bucket})")
                return Decision(delay, HttpError(429, wait, message), tuple(poisons), tuple(labels))
        if not labels:
            return NO_FAULT
        return Decision(delay, terminal, tuple(poisons), tuple(labels))


def _matches(rule: FaultRule, req: RequestInfo) -> bool:
    if rule.effect.bulk_only and not req.bulk_write:
        return False
    if rule.method is not None and rule.method != req.method:
        return False
    if rule.resource is not None and rule.resource != req.resource:
        return False
    if rule.path is not None:
        target = "/v1/" + req.path if rule.path.startswith("/") else req.path
        if not fnmatch.fnmatchcase(target, rule.path):
            return False
    return True


def describe(handles: Sequence[FaultHandle]) -> str:
    """A readable list of rules, for messages and traces."""
    return "\n".join(f"  - {h!r}" for h in handles) or "  (none)"
