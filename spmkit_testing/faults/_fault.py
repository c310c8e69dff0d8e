"""``Fault``: one type for everything that goes wrong, on the ShopiMind API or the partner.

A fault is an *effect* (what happens, :mod:`spmkit_testing.faults._effect`) and a *match*
(when): the ``target``, the HTTP ``method``, the bulk ``resource`` or a ``path`` glob,
the ``calls`` it matched (``3`` is the 3rd matching request, ``(2, 4)`` the 2nd to the
4th, ``(5, None)`` from the 5th on), a ``window`` of simulated time (``[start, end)``),
a seeded ``probability`` and at most ``times`` firings. Build faults with the
constructors, whose call is also the fault's ``repr`` (valid scenario text)::

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

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from spmkit import bulk_resource
from spmkit_testing._dsl import ROLES, InvalidScenario, parse_duration, parse_instant
from spmkit_testing.faults._effect import Effect, Side

__all__ = ["EFFECTS", "EffectKind", "Fault", "FaultTarget", "make_fault",
           "non_negative_duration", "register"]

C = TypeVar("C", bound="Callable[..., Fault]")

_TARGET = re.compile(r"^(?P<stream>[^@/\s]+)(?:@(?P<source>[^@/\s]+)|(?P<sources>/sources))?$")
_MATCH_NAMES = frozenset({"target", "method", "resource", "path", "calls", "window",
                          "probability", "times"})


@dataclass(frozen=True, slots=True)
class FaultTarget:
    """Where a fault applies, parsed: the API, or a partner stream, source or listing."""

    api: bool
    stream: str | None = None
    source: str | None = None
    sources_listing: bool = False

    @classmethod
    def parse(cls, text: str) -> FaultTarget:
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

    def needs(self) -> set[str]:
        """What an integration must have for this target to exist."""
        found = set()
        if self.stream in ROLES:
            found.add(self.stream)
        if self.sources_listing:
            found.add("sources-listing")
        return found


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
        parsed = FaultTarget.parse(self.target)
        side = "api" if parsed.api else "partner"
        if side not in self.effect.sides:
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
    def where(self) -> FaultTarget:
        """The parsed target."""
        return FaultTarget.parse(self.target)

    @property
    def side(self) -> str:
        """``"api"`` or ``"partner"``."""
        return "api" if self.target == "api" else "partner"

    def needs(self) -> set[str]:
        """What an integration must have for this fault to mean anything (its target's
        stream role or listing, and what its effect needs, such as ``"pages"``)."""
        return self.where.needs() | set(self.effect.needs)

    def retargeted(self, target: str) -> Fault:
        """The same fault on another target (used to resolve ``"global"``-style names)."""
        return Fault(self.effect, target, self.method, self.resource, self.path, self.calls,
                     self.window, self.probability, self.times)

    def __repr__(self) -> str:
        args = self.effect.args()
        default_target = "api" if "api" in self.effect.sides else "partner"
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


def make_fault(effect: Effect, match: Mapping[str, Any]) -> Fault:
    """``effect`` under the match keywords a constructor was given (an unknown one is an
    error listing the valid ones); the default target is the effect's side."""
    unknown = sorted(set(match) - _MATCH_NAMES)
    if unknown:
        raise InvalidScenario(
            f"{effect.verb}() got unexpected keyword(s) {', '.join(unknown)}; a fault takes "
            f"target, method, resource, path, calls, window, probability and times."
        )
    default = "api" if "api" in effect.sides else "partner"
    return Fault(effect, **{"target": default, **match})


def non_negative_duration(value: object, name: str) -> timedelta:
    """A duration argument of a fault (``"30s"`` or a timedelta), never negative; a bare
    number is refused with the string it should have been."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise InvalidScenario(
            f"{name}={value!r} is a bare number; write durations as strings such as "
            f"{f'{value:g}s'!r} (or pass a datetime.timedelta)."
        )
    delta = parse_duration(value, name)
    if delta < timedelta(0):
        raise InvalidScenario(f"{name}={value!r} must be >= 0s.")
    return delta


@dataclass(frozen=True, slots=True)
class EffectKind:
    """A registered kind of effect: its class and the DSL constructor that builds it."""

    verb: str
    effect: type[Effect]
    constructor: Callable[..., Fault]

    def drawn_on(self, side: Side) -> bool:
        """Whether the property check draws this kind on ``side``."""
        return side in self.effect.draws


#: Every kind of effect, by verb, in the order registered (what strategies enumerate).
EFFECTS: dict[str, EffectKind] = {}


def register(effect: type[Effect]) -> Callable[[C], C]:
    """Register ``effect`` with the constructor it decorates (at import time only)::

        @register(Status)
        def status(code: int = 503, **match: Any) -> Fault: ...
    """

    def decorate(constructor: C) -> C:
        verb = effect.verb
        if constructor.__name__ != verb:
            raise TypeError(f"the constructor of {effect.__name__} must be named {verb!r}")
        if verb in EFFECTS:
            raise TypeError(f"an effect {verb!r} is registered already")
        EFFECTS[verb] = EffectKind(verb, effect, constructor)
        return constructor

    return decorate
