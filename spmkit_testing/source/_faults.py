"""Fault rules of the simulated partner system (separate from the fake API's).

A :class:`SourceFault` says *what* goes wrong and *when*. What: a 5xx, a 429 with
``Retry-After``, a read timeout, a page that is ``null`` or an error object instead of
a list, a page that repeats records already served, a page in the wrong order. When:
the source's request numbers (``nth``, 1-based, counted from the source's creation),
a probability drawn from the source's seeded ``random.Random``, a window of the true
clock (``start <= now < end``), a pagination style, and at most ``times`` firings.
The first active rule that matches a request wins.

For example::

    source.add_fault(SourceFault.rate_limit(retry_after=60, nth=2))
    source.add_fault(SourceFault.null_page(style="page", times=1))
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, get_args

from spmkit import InvalidArgument, ensure_aware_utc

__all__ = ["FaultKind", "SourceFault", "Style"]

FaultKind = Literal[
    "server_error",
    "rate_limit",
    "timeout",
    "null_page",
    "error_page",
    "duplicate_page",
    "reordered_page",
]
Style = Literal["page", "cursor", "since"]

KINDS: tuple[str, ...] = get_args(FaultKind)
STYLES: tuple[str, ...] = get_args(Style)
#: Faults that replace the whole answer; the others alter a computed page.
ANSWER_KINDS = frozenset({"server_error", "rate_limit", "timeout"})


@dataclass(frozen=True)
class SourceFault:
    """One fault rule. Build it with a named constructor such as :meth:`rate_limit`.

    * ``status``: the 5xx of ``server_error``; ``retry_after``: seconds of ``rate_limit``.
    * ``count``: how many already-served records a ``duplicate_page`` repeats.
    * ``delay``: simulated seconds the answer takes (awaited on the clock by the async
      transport; ignored by the sync transport and respx routes).
    * matching: ``nth`` (request numbers), ``probability``, ``start``/``end``,
      ``style``, ``times`` (at most this many firings), ``name`` (for traces).
    """

    kind: FaultKind
    status: int = 500
    retry_after: float = 60.0
    count: int = 1
    delay: float = 0.0
    nth: frozenset[int] | None = None
    probability: float = 1.0
    start: datetime | None = None
    end: datetime | None = None
    style: Style | None = None
    times: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidArgument(
                f"Unknown fault kind={self.kind!r}; choose from: {', '.join(KINDS)} "
                f"(or use a constructor such as SourceFault.rate_limit(...))."
            )
        if self.kind == "server_error" and not 500 <= self.status <= 599:
            raise InvalidArgument(
                f"server_error needs a 5xx status, got status={self.status!r}; "
                f"use rate_limit(...) for a 429."
            )
        _non_negative(self.retry_after, "retry_after")
        _non_negative(self.delay, "delay")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise InvalidArgument(f"count must be an int >= 1, got count={self.count!r}.")
        if self.nth is not None:
            object.__setattr__(self, "nth", _request_numbers(self.nth))
        if not isinstance(self.probability, int | float) or not 0 <= self.probability <= 1:
            raise InvalidArgument(
                f"probability must be a number in [0, 1], got probability={self.probability!r}."
            )
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, ensure_aware_utc(value, name))
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise InvalidArgument(
                f"end={self.end.isoformat()} must be after start={self.start.isoformat()}."
            )
        if self.style is not None and self.style not in STYLES:
            raise InvalidArgument(
                f"Unknown style={self.style!r}; choose from: {', '.join(STYLES)}, or None for all."
            )
        if self.times is not None and (
            isinstance(self.times, bool) or not isinstance(self.times, int) or self.times < 1
        ):
            raise InvalidArgument(f"times must be an int >= 1 or None, got times={self.times!r}.")

    # -- named constructors ---------------------------------------------------------
    @classmethod
    def server_error(cls, status: int = 500, **match: Any) -> SourceFault:
        """Answer ``status`` (a 5xx) with a JSON error body."""
        return cls("server_error", status=status, **match)

    @classmethod
    def rate_limit(cls, retry_after: float = 60.0, **match: Any) -> SourceFault:
        """Answer 429 with ``Retry-After: <retry_after rounded up to whole seconds>``."""
        return cls("rate_limit", retry_after=retry_after, **match)

    @classmethod
    def timeout(cls, **match: Any) -> SourceFault:
        """Raise ``httpx.ReadTimeout`` (after ``delay`` simulated seconds, if given)."""
        return cls("timeout", **match)

    @classmethod
    def null_page(cls, **match: Any) -> SourceFault:
        """Answer 200 with ``null`` where the list of items belongs."""
        return cls("null_page", **match)

    @classmethod
    def error_page(cls, **match: Any) -> SourceFault:
        """Answer 200 with an error object as the whole body instead of a page."""
        return cls("error_page", **match)

    @classmethod
    def duplicate_page(cls, count: int = 1, **match: Any) -> SourceFault:
        """Serve the page with ``count`` records already served put again in front."""
        return cls("duplicate_page", count=count, **match)

    @classmethod
    def reordered_page(cls, **match: Any) -> SourceFault:
        """Serve the page's items rotated out of ``(updated_at, key)`` order."""
        return cls("reordered_page", **match)

    # -- matching -------------------------------------------------------------------
    def matches(
        self, number: int, now: datetime, style: Style, fired: int, rng: random.Random
    ) -> bool:
        """Whether this rule fires for request ``number`` (the probability draw is last)."""
        if self.times is not None and fired >= self.times:
            return False
        if self.style is not None and self.style != style:
            return False
        if self.nth is not None and number not in self.nth:
            return False
        if self.start is not None and now < self.start:
            return False
        if self.end is not None and now >= self.end:
            return False
        return self.probability >= 1 or rng.random() < self.probability

    def __repr__(self) -> str:
        args: list[str] = []
        for f in fields(self):
            if f.name == "kind":
                continue
            value = getattr(self, f.name)
            if value == f.default:
                continue
            if isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, datetime):
                args.append(f"{f.name}={value.isoformat()!r}")
                continue
            args.append(f"{f.name}={value!r}")
        return f"SourceFault.{self.kind}({', '.join(args)})"


def _non_negative(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise InvalidArgument(f"{name} must be a number of seconds >= 0, got {name}={value!r}.")


def _request_numbers(value: object) -> frozenset[int]:
    items: Iterable[object] = (value,) if isinstance(value, int) else value  # type: ignore[assignment]
    try:
        numbers = frozenset(items)
    except TypeError:
        numbers = frozenset()
    if not numbers or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in numbers
    ):
        raise InvalidArgument(
            f"nth must be a request number >= 1 or a collection of them (1 is the source's "
            f"first request), got nth={value!r}."
        )
    return frozenset(n for n in numbers if isinstance(n, int))
