"""What a fault does: one small frozen dataclass per effect.

An effect knows its DSL verb (``verb``), where it can apply (``targets``: the fake
ShopiMind API, the partner, or both), whether it decides the answer on its own
(``terminal``) and how it prints (``args``). The fake API and the partner serving
read the effect and act on it; nothing else about an effect lives anywhere else,
so a new kind of fault is one class here, one constructor in :mod:`._fault`, and
the few lines of the side (API or partner) that acts on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from spmkit_testing._dsl import format_duration, show

__all__ = [
    "BODY_KINDS",
    "BodyKind",
    "ConnectError",
    "ConnectionReset",
    "DuplicatePage",
    "Effect",
    "ErrorPage",
    "FailedChunk",
    "Latency",
    "NullPage",
    "Poison",
    "ReadTimeout",
    "RefusedChunk",
    "ReorderedPage",
    "Status",
    "TokenBucket",
    "non_json_body",
]

BodyKind = Literal["json", "empty", "html", "text"]
BODY_KINDS: tuple[str, ...] = ("json", "empty", "html", "text")

API = frozenset({"api"})
PARTNER = frozenset({"partner"})
BOTH = API | PARTNER


def non_json_body(status: int, kind: str) -> tuple[bytes, str | None]:
    """``(content, content type)`` of a non-JSON answer: empty, a proxy's HTML page, text."""
    if kind == "empty":
        return b"", None
    if kind == "html":
        page = (f"<html><head><title>{status}</title></head><body><center><h1>{status}</h1>"
                f"</center><hr><center>nginx</center></body></html>")
        return page.encode(), "text/html"
    return f"HTTP {status} (simulated)".encode(), "text/plain"


@dataclass(frozen=True, slots=True)
class Status:
    """Answer ``status`` instead of handling the request (a JSON error body unless
    ``body`` says ``"empty"``, ``"html"`` or ``"text"``), with ``Retry-After`` when given."""

    status: int
    body: BodyKind = "json"
    retry_after: timedelta | None = None
    message: str | None = None
    verb = "status"
    targets = BOTH
    terminal = True

    def args(self) -> list[str]:
        out = [str(self.status)]
        if self.body != "json":
            out.append(f"body={self.body!r}")
        if self.retry_after is not None:
            out.append(f"retry_after={format_duration(self.retry_after)!r}")
        if self.message is not None:
            out.append(f"message={self.message!r}")
        return out


@dataclass(frozen=True, slots=True)
class RateLimited:
    """Answer 429 with ``Retry-After`` (whole seconds, rounded up)."""

    retry_after: timedelta
    body: BodyKind = "json"
    verb = "rate_limited"
    targets = BOTH
    terminal = True

    def args(self) -> list[str]:
        out = [repr(format_duration(self.retry_after))]
        if self.body != "json":
            out.append(f"body={self.body!r}")
        return out


@dataclass(frozen=True, slots=True)
class ConnectError:
    """No connection: the client sees ``httpx.ConnectError`` (nothing reached the server)."""

    verb = "connect_error"
    targets = BOTH
    terminal = True

    def args(self) -> list[str]:
        return []


@dataclass(frozen=True, slots=True)
class ConnectionReset:
    """The connection drops mid-answer: ``httpx.ReadError`` (the request may have been handled
    by nobody: nothing is stored)."""

    verb = "connection_reset"
    targets = BOTH
    terminal = True

    def args(self) -> list[str]:
        return []


@dataclass(frozen=True, slots=True)
class ReadTimeout:
    """No answer in time: ``httpx.ReadTimeout`` (nothing is stored)."""

    verb = "read_timeout"
    targets = BOTH
    terminal = True

    def args(self) -> list[str]:
        return []


@dataclass(frozen=True, slots=True)
class Latency:
    """Answer normally, ``delay`` of simulated time later (latencies add up)."""

    delay: timedelta
    verb = "latency"
    targets = BOTH
    terminal = False

    def args(self) -> list[str]:
        return [repr(format_duration(self.delay))]


@dataclass(frozen=True, slots=True)
class FailedChunk:
    """A bulk write answers 2xx with ``failed_count`` = the batch; nothing is stored."""

    verb = "failed_chunk"
    targets = API
    terminal = True

    def args(self) -> list[str]:
        return []


@dataclass(frozen=True, slots=True)
class RefusedChunk:
    """A bulk write is refused as a whole with a 4xx (one bad item poisons the chunk)."""

    status: int = 422
    message: str | None = None
    verb = "refused_chunk"
    targets = API
    terminal = True

    def args(self) -> list[str]:
        out = [] if self.status == 422 else [f"status={self.status}"]
        if self.message is not None:
            out.append(f"message={self.message!r}")
        return out


@dataclass(frozen=True, slots=True)
class Poison:
    """Reject the items of a bulk write that match, with ``reason``: ``field`` equal to
    ``value`` or matching ``regex``, or a natural key among ``keys``, or ``predicate(item)``
    (a Python function: it works, but a scenario file cannot write it back out)."""

    field: str | None = None
    value: Any = None
    regex: str | None = None
    keys: tuple[str, ...] = ()
    reason: str | None = None
    predicate: Callable[[Mapping[str, Any]], bool] | None = None
    verb = "poison"
    targets = API
    terminal = False

    def matcher(self, natural_key: str | None) -> Callable[[Mapping[str, Any]], bool]:
        """The item predicate, given the natural-key field of the resource being written."""
        if self.predicate is not None:
            return self.predicate
        if self.keys:
            wanted = frozenset(self.keys)
            field = natural_key or ""
            return lambda item: str(item.get(field)) in wanted
        field = self.field or ""
        if self.regex is not None:
            pattern = re.compile(self.regex)
            return lambda item: (item.get(field) is not None
                                 and pattern.search(str(item.get(field))) is not None)
        value = self.value
        return lambda item: bool(item.get(field) == value)

    def why(self) -> str:
        if self.reason is not None:
            return self.reason
        if self.keys:
            return "poisoned record (a fault of the scenario)"
        if self.predicate is not None:
            return "poisoned item (a fault of the scenario)"
        test = f"matches {self.regex!r}" if self.regex is not None else f"= {show(self.value)}"
        return f"poisoned item: {self.field} {test} (a fault of the scenario)"

    def args(self) -> list[str]:
        out: list[str] = []
        if self.field is not None:
            out.append(repr(self.field))
        if self.regex is not None:
            out.append(f"regex={self.regex!r}")
        elif self.field is not None:
            out.append(f"value={show(self.value)}")
        if self.keys:
            out.append(f"keys={show(list(self.keys))}")
        if self.predicate is not None:
            name = getattr(self.predicate, "__qualname__", None) or repr(self.predicate)
            out.append(f"predicate={name}")
        if self.reason is not None:
            out.append(f"reason={self.reason!r}")
        return out


@dataclass(frozen=True, slots=True)
class NullPage:
    """The partner answers 200 with ``null`` where the page of records belongs."""

    verb = "null_page"
    targets = PARTNER
    terminal = False

    def args(self) -> list[str]:
        return []


@dataclass(frozen=True, slots=True)
class ErrorPage:
    """The partner answers 200 whose whole body is an error object instead of a page."""

    verb = "error_page"
    targets = PARTNER
    terminal = False

    def args(self) -> list[str]:
        return []


@dataclass(frozen=True, slots=True)
class DuplicatePage:
    """The partner serves the page with ``count`` records already served put in front again
    (as a keyset or token API whose bound is inclusive does; an API paged by offset or page
    number never serves more than its limit, so it does not apply there)."""

    count: int = 1
    verb = "duplicate_page"
    targets = PARTNER
    terminal = False

    def args(self) -> list[str]:
        return [] if self.count == 1 else [f"count={self.count}"]


@dataclass(frozen=True, slots=True)
class ReorderedPage:
    """The partner serves the page's records rotated out of ``(updated_at, key)`` order."""

    verb = "reordered_page"
    targets = PARTNER
    terminal = False

    def args(self) -> list[str]:
        return []


@dataclass(frozen=True, slots=True)
class TokenBucket:
    """A rate limit: ``capacity`` requests, refilled at ``refill_per_second`` on the simulated
    clock; a request that finds the bucket empty gets 429 + ``Retry-After``."""

    capacity: float
    refill_per_second: float = 1.0
    verb = "token_bucket"
    targets = BOTH
    terminal = True

    def args(self) -> list[str]:
        out = [f"{self.capacity:g}"]
        if self.refill_per_second != 1.0:
            out.append(f"refill_per_second={self.refill_per_second:g}")
        return out


Effect = (Status | RateLimited | ConnectError | ConnectionReset | ReadTimeout | Latency
          | FailedChunk | RefusedChunk | Poison | NullPage | ErrorPage | DuplicatePage
          | ReorderedPage | TokenBucket)
PAGE_EFFECTS = (NullPage, ErrorPage, DuplicatePage, ReorderedPage)
NETWORK_EFFECTS = (ConnectError, ConnectionReset, ReadTimeout)
