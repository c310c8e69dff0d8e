"""Timeline verbs of time and the engine's runs: ``tick``, ``advance``, ``run_for``,
``clock_step``, ``full_backfill``.

Ticks are numbered from 1 in the order they run (``run_for``, ``full_backfill`` and
accepted ``sync`` webhooks tick too); expectations refer to those numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from spmkit_testing._dsl import (
    InvalidScenario,
    call_repr,
    check_int,
    format_duration,
    parse_duration,
)
from spmkit_testing.faults import Ints
from spmkit_testing.scenario._verb import Drawing, Rule, Step, verb

if TYPE_CHECKING:
    from spmkit_testing.sim import Simulation

__all__ = ["Advance", "ClockStep", "FullBackfill", "RunFor", "Tick", "advance", "clock_step",
           "full_backfill", "run_for", "tick"]


@verb
@dataclass(frozen=True, slots=True)
class Tick(Step):
    """``tick()``: run the sync now (``n`` times; ``workers=2``: a second worker too)."""

    n: int = 1
    workers: int = 1
    rules = (Rule("tick", {}, lambda drawing: tick()),
             Rule("tick_two_workers", {}, lambda drawing: tick(workers=2)))

    def __repr__(self) -> str:
        args = [] if self.n == 1 else [str(self.n)]
        if self.workers != 1:
            args.append(f"workers={self.workers}")
        return f"tick({', '.join(args)})"

    def apply(self, sim: Simulation) -> None:
        for _ in range(self.n):
            sim.tick(workers=self.workers)


@verb
@dataclass(frozen=True, slots=True)
class Advance(Step):
    """``advance("5m")``: move simulated time, no sync."""

    delta: timedelta
    rules = (Rule("advance", {"seconds": Ints(1, 600)},
                  lambda drawing, seconds: advance(f"{seconds}s")),)

    def __repr__(self) -> str:
        return f"advance({format_duration(self.delta)!r})"

    def apply(self, sim: Simulation) -> None:
        sim.advance(self.delta)


@verb
@dataclass(frozen=True, slots=True)
class RunFor(Step):
    """``run_for("1h", every="1m")``: tick at +1m, +2m, ... +1h (a fixed schedule)."""

    duration: timedelta
    every: timedelta = timedelta(minutes=1)
    rules = (Rule("run_for", {"minutes": Ints(1, 5)},
                  lambda drawing, minutes: run_for(f"{minutes}m", every="1m")),)

    def __repr__(self) -> str:
        return call_repr("run_for", self, positional=("duration",))

    def apply(self, sim: Simulation) -> None:
        sim.run_for(self.duration, every=self.every)


def _step_back(drawing: Drawing, seconds: int) -> ClockStep:
    # Back by a share of the overlap at most: records stamped behind a cursor by more than
    # the overlap are the known hazard of a clock that steps back.
    return clock_step(f"-{min(seconds, drawing.lateness)}s")


@verb
@dataclass(frozen=True, slots=True)
class ClockStep(Step):
    """``clock_step("-30m")``: the clock jumps (here: back, as after an NTP correction)."""

    delta: timedelta
    rules = (Rule("clock_step", {"seconds": Ints(1, 600)}, _step_back,
                  when=lambda drawing: drawing.lateness >= 1),)

    def __repr__(self) -> str:
        return f"clock_step({format_duration(self.delta)!r})"

    def apply(self, sim: Simulation) -> None:
        sim.advance(self.delta)


@verb
@dataclass(frozen=True, slots=True)
class FullBackfill(Step):
    """``full_backfill()``: one tick as a full backfill."""

    rules = (Rule("full_backfill", {}, lambda drawing: full_backfill()),)

    def __repr__(self) -> str:
        return "full_backfill()"

    def apply(self, sim: Simulation) -> None:
        sim.tick(full_backfill=True)


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


def clock_step(delta: str | timedelta) -> ClockStep:
    """The clock jumps by ``delta`` (negative: back in time, as after an NTP correction)."""
    return ClockStep(parse_duration(delta, "delta"))


def full_backfill() -> FullBackfill:
    """One tick as a full backfill (re-reads ``backfill_days``, bypasses backoff)."""
    return FullBackfill()
