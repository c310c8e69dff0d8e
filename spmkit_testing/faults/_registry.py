"""The fault registry: the active faults of one simulated world, their counters, their decisions.

One registry serves the fake ShopiMind API and the partner: each asks it, per request,
what happens (:meth:`FaultRegistry.decide_api`, :meth:`FaultRegistry.decide_partner`).
Every fault that matches a request advances its own ``matched`` counter (what
``calls=`` counts); a fault that then fires advances ``fired``. Removed faults stay
in :meth:`FaultRegistry.stats`, so a test can ask whether a declared fault ever fired.
Randomness (``probability``) comes only from the registry's seeded ``random.Random``.
"""

from __future__ import annotations

import fnmatch
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from spmkit import BULK_RESOURCES, InvalidArgument
from spmkit_testing.faults._effects import (
    PAGE_EFFECTS,
    DuplicatePage,
    Effect,
    FailedChunk,
    Latency,
    Poison,
    RateLimited,
    RefusedChunk,
    TokenBucket,
)
from spmkit_testing.faults._fault import Fault

__all__ = [
    "ApiRequest",
    "Decision",
    "FaultHandle",
    "FaultRegistry",
    "FaultStats",
    "PartnerRequest",
]

ItemPredicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True, eq=False)
class FaultHandle:
    """An active fault, as :meth:`FaultRegistry.add` returns it (pass it to ``remove``).

    Handles compare by identity: a handle removes only the fault it was returned for."""

    id: int
    fault: Fault
    name: str = ""

    def __repr__(self) -> str:
        named = f" {self.name!r}" if self.name else ""
        return f"<fault #{self.id}{named} {self.fault!r}>"


@dataclass(frozen=True, slots=True)
class FaultStats:
    """How one fault fared: requests it ``matched`` and how often it ``fired``."""

    handle: FaultHandle
    matched: int
    fired: int
    active: bool


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """What faults of the ShopiMind API look at: method, path after ``/v1/``, resource."""

    method: str
    path: str
    resource: str | None
    bulk_write: bool


@dataclass(frozen=True, slots=True)
class PartnerRequest:
    """What partner faults look at: the stream, the source key, whether it lists sources."""

    stream: str
    source: str
    listing: bool
    method: str
    path: str
    by_offset: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """What the faults make of one request: a simulated ``delay``, the ``terminal`` effect
    that decides the answer (if any), item ``poisons`` (API), a ``page`` effect (partner)."""

    delay: timedelta = timedelta(0)
    terminal: Effect | None = None
    poisons: tuple[tuple[ItemPredicate, str], ...] = ()
    page: Effect | None = None
    labels: tuple[str, ...] = ()

    @property
    def label(self) -> str | None:
        """The faults that fired, for journals and traces."""
        return " + ".join(self.labels) if self.labels else None


NO_FAULT = Decision()


@dataclass(slots=True)
class _Bucket:
    tokens: float
    last: datetime | None = None

    def take(self, effect: TokenBucket, now: datetime) -> int | None:
        """Take a token; return the whole seconds to wait when there is none."""
        if self.last is not None and now > self.last:
            refill = (now - self.last).total_seconds() * effect.refill_per_second
            self.tokens = min(effect.capacity, self.tokens + refill)
        if self.last is None or now > self.last:
            self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - self.tokens) / effect.refill_per_second))


@dataclass(slots=True)
class _Entry:
    handle: FaultHandle
    matched: int = 0
    fired: int = 0
    active: bool = True
    bucket: _Bucket | None = None


@dataclass(slots=True)
class FaultRegistry:
    """The faults of one world. For example::

        registry = FaultRegistry(random.Random(7))
        handle = registry.add(status(503, resource="customers", calls=(1, 2)), name="outage")
        ...
        registry.remove(handle)
        [s for s in registry.stats() if s.fired == 0]     # declared but never fired
    """

    rng: random.Random = field(default_factory=lambda: random.Random(0))
    _entries: list[_Entry] = field(default_factory=list)
    _history: list[_Entry] = field(default_factory=list)
    _next_id: int = 1

    def add(self, fault: Fault, *, name: str = "") -> FaultHandle:
        """Activate ``fault`` (after the active ones) and return its handle."""
        if not isinstance(fault, Fault):
            raise InvalidArgument(
                f"Expected a Fault but got {fault!r} (type={type(fault).__name__}); build one "
                f"with a constructor such as spmkit_testing.faults.status(503)."
            )
        handle = FaultHandle(self._next_id, fault, name)
        self._next_id += 1
        entry = _Entry(handle)
        if isinstance(fault.effect, TokenBucket):
            entry.bucket = _Bucket(fault.effect.capacity)
        # Copy on write: a request being decided keeps the list it started with.
        self._entries = [*self._entries, entry]
        self._history.append(entry)
        return handle

    def remove(self, handle: FaultHandle) -> bool:
        """Deactivate a fault; ``False`` when it was not active."""
        kept = [e for e in self._entries if e.handle != handle]
        removed = len(kept) != len(self._entries)
        for entry in self._entries:
            if entry.handle == handle:
                entry.active = False
        self._entries = kept
        return removed

    def clear(self) -> None:
        """Deactivate every fault."""
        for entry in self._entries:
            entry.active = False
        self._entries = []

    @property
    def active(self) -> list[FaultHandle]:
        """The active faults, in the order they are evaluated."""
        return [e.handle for e in self._entries]

    def stats(self) -> list[FaultStats]:
        """Every fault ever added (active or not), with its counters, in the order added."""
        return [FaultStats(e.handle, e.matched, e.fired, e.active) for e in self._history]

    def never_fired(self) -> list[FaultHandle]:
        """The faults that were added but never fired."""
        return [e.handle for e in self._history if e.fired == 0]

    # -- decisions ----------------------------------------------------------------------

    def decide_api(self, req: ApiRequest, now: datetime) -> Decision:
        """What happens to one request to the fake ShopiMind API."""
        if not self._entries:
            return NO_FAULT
        return self._decide(now, lambda f: _matches_api(f, req), req.resource)

    def decide_partner(self, req: PartnerRequest, now: datetime) -> Decision:
        """What happens to one request to the partner."""
        if not self._entries:
            return NO_FAULT
        return self._decide(now, lambda f: _matches_partner(f, req), None)

    def _decide(self, now: datetime, matches: Callable[[Fault], bool],
                resource: str | None) -> Decision:
        delay = timedelta(0)
        terminal: Effect | None = None
        page: Effect | None = None
        poisons: list[tuple[ItemPredicate, str]] = []
        labels: list[str] = []
        served: list[_Entry] = []  # page and poison faults: they act only if there is an answer
        for entry in self._entries:
            fault = entry.handle.fault
            if not matches(fault):
                continue
            entry.matched += 1
            if not self._in_play(entry, now):
                continue
            effect = fault.effect
            if isinstance(effect, Latency):
                delay += effect.delay
            elif isinstance(effect, Poison):
                poisons.append((effect.matcher(_natural_key(resource)), effect.why()))
            elif isinstance(effect, PAGE_EFFECTS):
                if page is not None:
                    continue
                page = effect
            elif terminal is not None:
                continue
            elif isinstance(effect, TokenBucket):
                assert entry.bucket is not None
                wait = entry.bucket.take(effect, now)
                if wait is None:
                    continue
                terminal = RateLimited(timedelta(seconds=wait))
            else:
                terminal = effect
            entry.fired += 1
            labels.append(_label(entry.handle))
            if isinstance(effect, (Poison, *PAGE_EFFECTS)):
                served.append(entry)
        if terminal is not None and served:
            # The request gets no page and no bulk answer: those faults did not happen.
            for entry in served:
                entry.fired -= 1
                labels.remove(_label(entry.handle))
            page, poisons = None, []
        if not labels:
            return NO_FAULT
        return Decision(delay, terminal, tuple(poisons), page, tuple(labels))

    def _in_play(self, entry: _Entry, now: datetime) -> bool:
        fault = entry.handle.fault
        if fault.calls is not None:
            first, last = fault.calls
            if entry.matched < first or (last is not None and entry.matched > last):
                return False
        if fault.window is not None and not fault.window[0] <= now < fault.window[1]:
            return False
        if fault.times is not None and entry.fired >= fault.times:
            return False
        return fault.probability >= 1.0 or self.rng.random() < fault.probability


def _label(handle: FaultHandle) -> str:
    return f"{handle.name}: {handle.fault!r}" if handle.name else repr(handle.fault)


def _natural_key(resource: str | None) -> str | None:
    spec = BULK_RESOURCES.get(resource or "")
    return spec.natural_key if spec is not None else None


def _matches_api(fault: Fault, req: ApiRequest) -> bool:
    if fault.target != "api":
        return False
    effect = fault.effect
    if isinstance(effect, FailedChunk | RefusedChunk | Poison) and not req.bulk_write:
        return False
    if fault.method is not None and fault.method != req.method:
        return False
    if fault.resource is not None and fault.resource != req.resource:
        return False
    if fault.path is not None:
        target = "/v1/" + req.path if fault.path.startswith("/") else req.path
        if not fnmatch.fnmatchcase(target, fault.path):
            return False
    return True


def _matches_partner(fault: Fault, req: PartnerRequest) -> bool:
    if fault.target == "api":
        return False
    where = fault.where
    if where.stream is not None:
        if where.stream != req.stream or where.sources_listing != req.listing:
            return False
        if where.source is not None and where.source != req.source:
            return False
    if isinstance(fault.effect, PAGE_EFFECTS) and req.listing:
        return False
    if isinstance(fault.effect, DuplicatePage) and req.by_offset:
        # An offset-paged API never serves more than its limit: repeated records there
        # come from records changing during the read, which updates and late arrivals model.
        return False
    if fault.method is not None and fault.method != req.method:
        return False
    return fault.path is None or fnmatch.fnmatchcase(req.path, fault.path)
