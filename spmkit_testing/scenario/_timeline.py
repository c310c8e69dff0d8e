"""Timeline steps: what happens to the simulated world, in order. Each is one Simulation verb.

::

    tick(), tick(3)                       # run the sync once / three times (no time passes)
    tick(workers=2)                       # a second worker runs the same tick on one store
    advance("5m")                         # move simulated time, no sync
    run_for("1h", every="1m")             # tick at +1m, +2m, ... +1h (a fixed schedule)
    fault_on("api", status(503))          # switch a fault on under a name...
    fault_off("api")                      # ...and off again
    add(record("c9"), records(5, prefix="n"))   # partner writes
    update("c9", email="new@example.com") # partner update (stream= for other streams)
    delete("c9")                          # partner delete
    add_source("store-3")                 # a new source appears at the partner
    clock_step("-30m")                    # the clock jumps (here: back)
    crash(at="before_cursor_write")       # the next tick to reach that point dies; restart
    full_backfill()                       # one tick as a full backfill
    webhook("sync", sent="-6m", times=2)  # a signed lifecycle webhook: late, early, twice...

Ticks are numbered from 1 in the order they run (``run_for``, ``full_backfill`` and
accepted ``sync`` webhooks tick too); expectations refer to those numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from spmkit import HOOK_NAMES
from spmkit_testing._dsl import (
    InvalidScenario,
    call_repr,
    check_int,
    check_str,
    format_duration,
    parse_duration,
    show,
)
from spmkit_testing.faults import Fault
from spmkit_testing.sim import CRASH_POINTS, Simulation
from spmkit_testing.sim._records import DEFAULT_STREAM, Factory, Record

__all__ = [
    "Add",
    "AddSource",
    "Advance",
    "ClockStep",
    "Crash",
    "Delete",
    "FaultOff",
    "FaultOn",
    "FullBackfill",
    "RunFor",
    "Step",
    "Tick",
    "Update",
    "Webhook",
    "add",
    "add_source",
    "advance",
    "clock_step",
    "crash",
    "delete",
    "fault_off",
    "fault_on",
    "full_backfill",
    "run_for",
    "tick",
    "update",
    "webhook",
]


@dataclass(frozen=True, slots=True)
class Tick:
    n: int = 1
    workers: int = 1

    def __repr__(self) -> str:
        args = [] if self.n == 1 else [str(self.n)]
        if self.workers != 1:
            args.append(f"workers={self.workers}")
        return f"tick({', '.join(args)})"

    def apply(self, sim: Simulation) -> None:
        for _ in range(self.n):
            sim.tick(workers=self.workers)


@dataclass(frozen=True, slots=True)
class Advance:
    delta: timedelta

    def __repr__(self) -> str:
        return f"advance({format_duration(self.delta)!r})"

    def apply(self, sim: Simulation) -> None:
        sim.advance(self.delta)


@dataclass(frozen=True, slots=True)
class RunFor:
    duration: timedelta
    every: timedelta = timedelta(minutes=1)

    def __repr__(self) -> str:
        return call_repr("run_for", self, positional=("duration",))

    def apply(self, sim: Simulation) -> None:
        sim.run_for(self.duration, every=self.every)


@dataclass(frozen=True, slots=True)
class FaultOn:
    name: str
    fault: Fault

    def __repr__(self) -> str:
        return f"fault_on({self.name!r}, {self.fault!r})"

    def apply(self, sim: Simulation) -> None:
        sim.fault_on(self.name, self.fault)


@dataclass(frozen=True, slots=True)
class FaultOff:
    name: str

    def __repr__(self) -> str:
        return f"fault_off({self.name!r})"

    def apply(self, sim: Simulation) -> None:
        sim.fault_off(self.name)


@dataclass(frozen=True, slots=True)
class Add:
    records: tuple[Record | Factory, ...]

    def __repr__(self) -> str:
        return f"add({', '.join(repr(r) for r in self.records)})"

    def apply(self, sim: Simulation) -> None:
        sim.write(*self.records)


@dataclass(frozen=True, slots=True)
class Update:
    key: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    stream: str = DEFAULT_STREAM
    at: timedelta | None = None
    lag: timedelta = timedelta(0)

    def __repr__(self) -> str:
        args = [repr(self.key)]
        if self.stream != DEFAULT_STREAM:
            args.append(f"stream={self.stream!r}")
        args += [f"{k}={show(v)}" for k, v in self.changes.items()]
        if self.at is not None:
            args.append(f"at={format_duration(self.at)!r}")
        if self.lag:
            args.append(f"lag={format_duration(self.lag)!r}")
        return f"update({', '.join(args)})"

    def apply(self, sim: Simulation) -> None:
        sim.update(self.stream, self.key, self.changes, at=self.at, lag=self.lag)


@dataclass(frozen=True, slots=True)
class Delete:
    key: str
    stream: str = DEFAULT_STREAM
    lag: timedelta = timedelta(0)

    def __repr__(self) -> str:
        return call_repr("delete", self, positional=("key",))

    def apply(self, sim: Simulation) -> None:
        sim.delete(self.stream, self.key, lag=self.lag)


@dataclass(frozen=True, slots=True)
class AddSource:
    key: str

    def __repr__(self) -> str:
        return f"add_source({self.key!r})"

    def apply(self, sim: Simulation) -> None:
        sim.add_source(self.key)


@dataclass(frozen=True, slots=True)
class ClockStep:
    delta: timedelta

    def __repr__(self) -> str:
        return f"clock_step({format_duration(self.delta)!r})"

    def apply(self, sim: Simulation) -> None:
        sim.advance(self.delta)


@dataclass(frozen=True, slots=True)
class Crash:
    at: str = "before_cursor_write"
    nth: int = 1

    def __repr__(self) -> str:
        return call_repr("crash", self)

    def apply(self, sim: Simulation) -> None:
        sim.crash_at(self.at, nth=self.nth)


@dataclass(frozen=True, slots=True)
class FullBackfill:
    def __repr__(self) -> str:
        return "full_backfill()"

    def apply(self, sim: Simulation) -> None:
        sim.tick(full_backfill=True)


@dataclass(frozen=True, slots=True)
class Webhook:
    event: str
    sent: timedelta = timedelta(0)
    times: int = 1
    tamper: str | None = None

    def __repr__(self) -> str:
        return call_repr("webhook", self, positional=("event",))

    def apply(self, sim: Simulation) -> None:
        sim.deliver_webhook(self.event, sent=self.sent, times=self.times,
                                 tamper=self.tamper)


Step = (Tick | Advance | RunFor | FaultOn | FaultOff | Add | Update | Delete | AddSource
        | ClockStep | Crash | FullBackfill | Webhook)
STEP_TYPES = (Tick, Advance, RunFor, FaultOn, FaultOff, Add, Update, Delete, AddSource,
              ClockStep, Crash, FullBackfill, Webhook)


def tick(n: int = 1, *, workers: int = 1) -> Tick:
    """Run the sync ``n`` times in a row (simulated time does not move between them).

    ``workers=2``: a second worker runs the same tick on the same store (a deployment
    mistake); the run leases make each step-source run once.
    """
    return Tick(check_int(n, "n", minimum=1), check_int(workers, "workers", minimum=1))


def advance(delta: str | timedelta) -> Advance:
    """Move simulated time forward by ``delta`` without syncing."""
    value = parse_duration(delta, "delta")
    if value <= timedelta(0):
        raise InvalidScenario(
            f"advance({delta!r}) must move forward; use clock_step({delta!r}) for a clock "
            f"that jumps back.")
    return Advance(value)


def run_for(duration: str | timedelta, *, every: str | timedelta = "1m") -> RunFor:
    """Tick every ``every`` for ``duration`` (``run_for("1h")`` is 60 ticks).

    The schedule is fixed, like cron: tick k runs at ``start + k * every``. A tick that
    takes simulated time (retries, latency) past the next slot makes that one late.
    """
    span, step = parse_duration(duration, "duration"), parse_duration(every, "every")
    if step <= timedelta(0) or span < step:
        raise InvalidScenario(
            f"run_for({duration!r}, every={every!r}) needs 0 < every <= duration; for example "
            f"run_for('1h', every='1m').")
    return RunFor(span, step)


def fault_on(name: str, fault: Fault) -> FaultOn:
    """Switch ``fault`` on under ``name`` (``fault_off(name)`` switches it off)."""
    check_str(name, "name")
    if not isinstance(fault, Fault):
        raise InvalidScenario(
            f"fault_on({name!r}, ...) expects a fault such as status(503), rate_limited('30s'), "
            f"null_page(target='customers') or status(503, target='orders/sources'); got "
            f"{fault!r} (type={type(fault).__name__}).")
    return FaultOn(name, fault)


def fault_off(name: str) -> FaultOff:
    """Switch off the fault switched on under ``name``."""
    return FaultOff(check_str(name, "name"))


def add(*items: Record | Factory) -> Add:
    """The partner writes these records now (``at``/``lag`` are relative to now)."""
    if not items:
        raise InvalidScenario("add() needs at least one record, such as add(record('c1')).")
    for item in items:
        if not isinstance(item, Record | Factory):
            raise InvalidScenario(
                f"add() takes records such as record('c1') or records(5); got {item!r} "
                f"(type={type(item).__name__}).")
    return Add(tuple(items))


def update(key: str, *, stream: str = DEFAULT_STREAM, at: str | timedelta | None = None,
           lag: str | timedelta = "0s", **changes: Any) -> Update:
    """The partner updates ``key`` of ``stream`` with ``changes`` (a new version)."""
    check_str(key, "key")
    check_str(stream, "stream")
    if not changes:
        raise InvalidScenario(
            f"update({key!r}) needs at least one change, such as update({key!r}, "
            f"email='new@example.com').")
    return Update(key, changes, stream, None if at is None else parse_duration(at, "at"),
                  parse_duration(lag, "lag"))


def delete(key: str, *, stream: str = DEFAULT_STREAM, lag: str | timedelta = "0s") -> Delete:
    """The partner deletes ``key`` of ``stream`` (a tombstone version)."""
    return Delete(check_str(key, "key"), check_str(stream, "stream"), parse_duration(lag, "lag"))


def add_source(key: str) -> AddSource:
    """A new source appears at the partner (a store opens): per-source streams list it."""
    return AddSource(check_str(key, "key"))


def clock_step(delta: str | timedelta) -> ClockStep:
    """The clock jumps by ``delta`` (negative: back in time, as after an NTP correction)."""
    return ClockStep(parse_duration(delta, "delta"))


def crash(*, at: str = "before_cursor_write", nth: int = 1) -> Crash:
    """The ``nth`` time a coming tick reaches point ``at`` the engine dies; it restarts."""
    if not check_str(at, "at").isidentifier():
        raise InvalidScenario(f"crash(at={at!r}): name a crash point, such as "
                              f"{', '.join(map(repr, CRASH_POINTS))}.")
    return Crash(at, check_int(nth, "nth", minimum=1))


def webhook(event: str, *, sent: str | timedelta = "0s", times: int = 1,
            tamper: str | None = None) -> Webhook:
    """ShopiMind delivers a signed lifecycle webhook for ``event`` (``sync``, ``activate``...).

    ``sent`` shifts the sender's timestamp from now: ``"-6m"`` is a late delivery (refused
    past 300 s), ``"30s"`` an early one (accepted up to 60 s). ``times=2`` delivers the
    same request twice (a replay); ``tamper="upper"`` or ``"trailing"`` alters the
    repeated signature. An accepted ``sync``/``activate`` runs the engine as a tick.
    """
    return Webhook(check_str(event, "event", choices=HOOK_NAMES),
                   parse_duration(sent, "sent"), check_int(times, "times", minimum=1),
                   None if tamper is None else check_str(tamper, "tamper",
                                                         choices=("upper", "trailing")))


def full_backfill() -> FullBackfill:
    """One tick as a full backfill (re-reads ``backfill_days``, bypasses backoff)."""
    return FullBackfill()
