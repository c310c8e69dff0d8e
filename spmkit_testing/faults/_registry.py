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
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from spmkit import BULK_RESOURCES, InvalidArgument
from spmkit_testing.faults._effect import Effect, ItemTest
from spmkit_testing.faults._fault import Fault
from spmkit_testing.faults._request import ApiRequest, PartnerRequest

__all__ = [
    "NO_FAULT",
    "Decision",
    "FaultHandle",
    "FaultRegistry",
    "FaultStats",
]


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

    @property
    def label(self) -> str:
        """How journals and traces name it: ``name: fault`` (or the fault alone)."""
        return f"{self.name}: {self.fault!r}" if self.name else repr(self.fault)


@dataclass(frozen=True, slots=True)
class FaultStats:
    """How one fault fared: requests it ``matched`` and how often it ``fired``."""

    handle: FaultHandle
    matched: int
    fired: int
    active: bool


@dataclass(frozen=True, slots=True)
class Decision:
    """What the faults make of one request: a simulated ``delay``, the ``terminal`` effect
    that answers instead of the server (if any), item ``poisons`` (API), a ``page``
    effect (partner), and the ``labels`` of the faults that fired."""

    delay: timedelta = timedelta(0)
    terminal: Effect | None = None
    poisons: tuple[tuple[ItemTest, str], ...] = ()
    page: Effect | None = None
    labels: tuple[str, ...] = ()

    @property
    def label(self) -> str | None:
        """The faults that fired, for journals and traces."""
        return " + ".join(self.labels) if self.labels else None


NO_FAULT = Decision()


class _Fate:
    """One request's decision as it is built, slot by slot: the first ``answer`` and the
    first ``page`` effect win, delays add up, item tests accumulate."""

    def __init__(self, resource: str | None) -> None:
        self.natural_key = _natural_key(resource)
        self.delay = timedelta(0)
        self.terminal: Effect | None = None
        self.page: Effect | None = None
        self.poisons: list[tuple[ItemTest, str]] = []
        self.fired: list[_Entry] = []

    def has_room(self, effect: Effect) -> bool:
        slot = effect.slot
        return not ((slot == "answer" and self.terminal is not None)
                    or (slot == "page" and self.page is not None))

    def put(self, effect: Effect, entry: _Entry) -> None:
        slot = effect.slot
        if slot == "answer":
            self.terminal = effect
        elif slot == "page":
            self.page = effect
        elif slot == "delay":
            self.delay += effect.delay
        else:
            self.poisons.append(effect.rejects(self.natural_key))
        entry.fired += 1
        self.fired.append(entry)

    def decision(self) -> Decision:
        if self.terminal is not None:
            # The request gets no page and no bulk answer: those faults did not happen.
            for entry in [e for e in self.fired if e.handle.fault.effect.slot in _SERVED]:
                entry.fired -= 1
                self.fired.remove(entry)
            self.page, self.poisons = None, []
        if not self.fired:
            return NO_FAULT
        return Decision(self.delay, self.terminal, tuple(self.poisons), self.page,
                        tuple(e.handle.label for e in self.fired))


_SERVED = ("page", "items")  # slots that act only on an answer the server gives


@dataclass(slots=True)
class _Entry:
    handle: FaultHandle
    matched: int = 0
    fired: int = 0
    active: bool = True
    memo: dict[str, Any] = field(default_factory=dict)


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
        fate = _Fate(resource)
        for entry in self._entries:
            if not matches(entry.handle.fault):
                continue
            entry.matched += 1
            if not self._in_play(entry, now):
                continue
            effect = entry.handle.fault.effect
            if not fate.has_room(effect):
                continue
            acting = effect.acting(entry.memo, now)
            if acting is not None:
                fate.put(acting, entry)
        return fate.decision()

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


def _natural_key(resource: str | None) -> str | None:
    spec = BULK_RESOURCES.get(resource or "")
    return spec.natural_key if spec is not None else None


def _matches_api(fault: Fault, req: ApiRequest) -> bool:
    if fault.target != "api" or not fault.effect.applies(req):
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
    effect = fault.effect
    if (req.listing and not effect.on_listings) or not effect.applies(req):
        return False
    if fault.method is not None and fault.method != req.method:
        return False
    return fault.path is None or fnmatch.fnmatchcase(req.path, fault.path)
