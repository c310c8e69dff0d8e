"""Timeline steps: what happens to the simulated world, in order.

::

    tick(), tick(3)                       # run the sync once / three times (no time passes)
    advance("5m")                         # move simulated time, no sync
    run_for("1h", every="1m")             # tick at +1m, +2m, ... +1h (a fixed schedule)
    fault_on("api", http_status(503))     # switch a fault on under a name...
    fault_off("api")                      # ...and off again
    add(customer("c9"), customers(count=5, prefix="n"))    # partner writes
    update("c9", email="new@example.com") # partner update (stream= for other streams)
    delete("c9")                          # partner delete
    clock_step("-30m")                    # the clock jumps (here: back)
    crash(at="before_cursor_write")       # the next tick to reach that point dies; restart
    full_backfill()                       # one tick as a full backfill
    webhook("sync", sent="-6m", times=2)  # a signed lifecycle webhook: late, early, twice...

Ticks are numbered from 1 in the order they run (``run_for`` and ``full_backfill``
tick too); expectations refer to those numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from spmkit import HOOK_NAMES
from spmkit_testing.scenario._dsl import (
    InvalidScenario,
    call_repr,
    check_int,
    check_str,
    format_duration,
    parse_duration,
    show,
)
from spmkit_testing.scenario._faults import ApiFault, Fault, PartnerFault, RateLimit, StoresDown
from spmkit_testing.scenario._records import Factory, Record
from spmkit_testing.simulation import CRASH_POINTS

__all__ = [
    "CRASH_POINTS",
    "Add",
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

_FAULT_TYPES = (ApiFault, RateLimit, PartnerFault, StoresDown)


@dataclass(frozen=True, slots=True)
class Tick:
    n: int = 1

    def __repr__(self) -> str:
        return "tick()" if self.n == 1 else f"tick({self.n})"


@dataclass(frozen=True, slots=True)
class Advance:
    delta: timedelta

    def __repr__(self) -> str:
        return f"advance({format_duration(self.delta)!r})"


@dataclass(frozen=True, slots=True)
class RunFor:
    duration: timedelta
    every: timedelta = timedelta(minutes=1)

    def __repr__(self) -> str:
        return call_repr("run_for", self, positional=("duration",))


@dataclass(frozen=True, slots=True)
class FaultOn:
    name: str
    fault: Fault

    def __repr__(self) -> str:
        return f"fault_on({self.name!r}, {self.fault!r})"


@dataclass(frozen=True, slots=True)
class FaultOff:
    name: str

    def __repr__(self) -> str:
        return f"fault_off({self.name!r})"


@dataclass(frozen=True, slots=True)
class Add:
    records: tuple[Record | Factory, ...]

    def __repr__(self) -> str:
        return f"add({', '.join(repr(r) for r in self.records)})"


@dataclass(frozen=True, slots=True)
class Update:
    key: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    stream: str = "customers"
    at: timedelta | None = None
    lag: timedelta = timedelta(0)

    def __repr__(self) -> str:
        args = [repr(self.key)]
        if self.stream != "customers":
            args.append(f"stream={self.stream!r}")
        args += [f"{k}={show(v)}" for k, v in self.changes.items()]
        if self.at is not None:
            args.append(f"at={format_duration(self.at)!r}")
        if self.lag:
            args.append(f"lag={format_duration(self.lag)!r}")
        return f"update({', '.join(args)})"


@dataclass(frozen=True, slots=True)
class Delete:
    key: str
    stream: str = "customers"
    lag: timedelta = timedelta(0)

    def __repr__(self) -> str:
        return call_repr("delete", self, positional=("key",))


@dataclass(frozen=True, slots=True)
class ClockStep:
    delta: timedelta

    def __repr__(self) -> str:
        return f"clock_step({format_duration(self.delta)!r})"


@dataclass(frozen=True, slots=True)
class Crash:
    at: str = "before_cursor_write"
    nth: int = 1

    def __repr__(self) -> str:
        return call_repr("crash", self)


@dataclass(frozen=True, slots=True)
class FullBackfill:
    def __repr__(self) -> str:
        return "full_backfill()"


@dataclass(frozen=True, slots=True)
class Webhook:
    event: str
    sent: timedelta = timedelta(0)
    times: int = 1
    tamper: str | None = None

    def __repr__(self) -> str:
        return call_repr("webhook", self, positional=("event",))


Step = Tick | Advance | RunFor | FaultOn | FaultOff | Add | Update | Delete | ClockStep | Crash \
    | FullBackfill | Webhook


def tick(n: int = 1) -> Tick:
    """Run the sync ``n`` times in a row (simulated time does not move between them)."""
    return Tick(check_int(n, "n", minimum=1))


def advance(delta: str | timedelta) -> Advance:
    """Move simulated time forward by ``delta`` without syncing."""
    value = parse_duration(delta, "delta")
    if value <= timedelta(0):
        raise InvalidScenario(
            f"advance({delta!r}) must move forward; use clock_step({delta!r}) for a clock "
            f"that jumps back."
        )
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
            f"run_for('1h', every='1m')."
        )
    return RunFor(span, step)


def fault_on(name: str, fault: Fault) -> FaultOn:
    """Switch ``fault`` on under ``name`` (``fault_off(name)`` switches it off)."""
    check_str(name, "name")
    if not isinstance(fault, _FAULT_TYPES):
        raise InvalidScenario(
            f"fault_on({name!r}, ...) expects a fault such as http_status(503), poison('email', "
            f"value='x'), partner_fault('customers', 'null_page') or stores_down(); got "
            f"{fault!r} (type={type(fault).__name__})."
        )
    return FaultOn(name, fault)


def fault_off(name: str) -> FaultOff:
    """Switch off the fault switched on under ``name``."""
    return FaultOff(check_str(name, "name"))


def add(*records: Record | Factory) -> Add:
    """The partner writes these records now (``at``/``lag`` are relative to now)."""
    if not records:
        raise InvalidScenario("add() needs at least one record, such as add(customer('c1')).")
    for r in records:
        if not isinstance(r, Record | Factory):
            raise InvalidScenario(
                f"add() takes records such as customer('c1'), order('o1') or customers(count=5); "
                f"got {r!r} (type={type(r).__name__})."
            )
    return Add(tuple(records))


def update(key: str, *, stream: str = "customers", at: str | timedelta | None = None,
           lag: str | timedelta = "0s", **changes: Any) -> Update:
    """The partner updates ``key`` of ``stream`` with ``changes`` (a new version)."""
    check_str(key, "key")
    check_str(stream, "stream")
    if not changes:
        raise InvalidScenario(
            f"update({key!r}) needs at least one change, such as update({key!r}, "
            f"email='new@example.com')."
        )
    return Update(key, changes, stream, None if at is None else parse_duration(at, "at"),
                  parse_duration(lag, "lag"))


def delete(key: str, *, stream: str = "customers", lag: str | timedelta = "0s") -> Delete:
    """The partner deletes ``key`` of ``stream`` (a tombstone version)."""
    return Delete(check_str(key, "key"), check_str(stream, "stream"), parse_duration(lag, "lag"))


def clock_step(delta: str | timedelta) -> ClockStep:
    """The clock jumps by ``delta`` (negative: back in time, as after an NTP correction)."""
    return ClockStep(parse_duration(delta, "delta"))


def crash(*, at: str = "before_cursor_write", nth: int = 1) -> Crash:
    """The ``nth`` time a coming tick reaches point ``at`` the engine dies; it restarts."""
    return Crash(check_str(at, "at", choices=CRASH_POINTS), check_int(nth, "nth", minimum=1))


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
