"""Running a scenario: build the world, play the timeline, check the oracle and expectations.

For example::

    result = run_scenario(load_scenario("poison_pill"), seed=3)
    assert result.passed, result.message()
    result.raise_on_failure()        # the same, as a ScenarioFailed (an AssertionError)
"""

from __future__ import annotations

import importlib
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from spmkit import Integration, SyncSummary
from spmkit_testing.oracle import INVARIANTS, Oracle, StreamBinding, Violation, format_timeline
from spmkit_testing.partner import reference_bindings
from spmkit_testing.scenario._dsl import InvalidScenario, format_instant
from spmkit_testing.scenario._expect import Evidence, Violates
from spmkit_testing.scenario._faults import Fault
from spmkit_testing.scenario._records import Factory, Record
from spmkit_testing.scenario._scenario import Scenario, World
from spmkit_testing.scenario._timeline import (
    Add,
    Advance,
    ClockStep,
    Crash,
    Delete,
    FaultOff,
    FaultOn,
    FullBackfill,
    RunFor,
    Step,
    Tick,
    Update,
    Webhook,
)
from spmkit_testing.simulation import Simulation, TickTrace

__all__ = ["ScenarioFailed", "ScenarioResult", "ScenarioStats", "run_scenario"]

Adapter = Callable[[Simulation], Sequence[StreamBinding]]
# A hazard scenario may lose many records the same way: list the first few.
_LISTED_EXPECTED = 10


class ScenarioFailed(AssertionError):
    """A scenario's expectations did not hold: what failed, the timeline and the seed."""


@dataclass(frozen=True, slots=True)
class ScenarioStats:
    """Counts of one run at its end.

    ``records``: live partner records; ``undelivered``: of those, neither in the fake
    API (latest version) nor dead-lettered; ``lost``: of those, the ones a cursor has
    already passed (nothing will bring them back); ``wall_seconds`` is measured for
    reporting only.
    """

    ticks: int
    records: int
    lost: int
    undelivered: int
    dead_lettered: int
    wall_seconds: float


@dataclass
class ScenarioResult:
    """The verdict of one run: ``passed``, readable ``failures``, the oracle's
    ``violations``, the ``trace`` (one :class:`TickTrace` per tick), ``stats`` and ``seed``."""

    scenario: Scenario
    seed: int
    passed: bool
    failures: list[str]
    violations: list[Violation]
    trace: list[TickTrace]
    stats: ScenarioStats
    undelivered: list[str] = field(default_factory=list)

    @property
    def expected_violations(self) -> list[Violation]:
        """The violations the scenario expects with ``violates(...)``: the hazard it
        demonstrates (empty for a scenario that expects none)."""
        expected = _expected_invariants(self.scenario)
        return [v for v in self.violations if v.invariant in expected]

    def message(self) -> str:
        """What failed (or that it passed), the expected violations of a scenario that
        demonstrates a hazard, the text timeline and ``seed=…``."""
        head = (f"scenario {self.scenario.name!r} passed" if self.passed else
                f"scenario {self.scenario.name!r} failed:\n"
                + "\n".join(f"  - {f}" for f in self.failures))
        expected = self.expected_violations
        if expected:
            more = len(expected) - _LISTED_EXPECTED
            head += (f"\nexpected violation{'s' if len(expected) > 1 else ''} (this scenario "
                     f"demonstrates a hazard):\n"
                     + "\n".join(f"  - {_one_line(v)}" for v in expected[:_LISTED_EXPECTED])
                     + (f"\n  … and {more:,} more." if more > 0 else ""))
        return f"{head}\ntimeline:\n{format_timeline(self.trace)}\nseed={self.seed}"

    def raise_on_failure(self) -> None:
        """Raise :class:`ScenarioFailed` with :meth:`message` unless the scenario passed."""
        if not self.passed:
            raise ScenarioFailed(self.message())


def _expected_invariants(scenario: Scenario) -> set[str]:
    return {e.invariant for e in scenario.expect if isinstance(e, Violates)}


def _one_line(v: Violation) -> str:
    """A violation without its context: invariant, tick, step-source, record, detail's
    first line."""
    record = f", record {v.record!r}" if v.record is not None else ""
    detail = (v.detail.splitlines() or [""])[0]
    return (f"{v.invariant} ({INVARIANTS[v.invariant]}) at tick {v.tick}, step-source "
            f"{v.where}{record}: {detail}")


def _resolve(spec: str, what: str) -> Any:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidScenario(f"{what}={spec!r}: cannot import {module_name!r} ({exc}); name "
                              f"an importable module, as in 'package.module:attribute'") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise InvalidScenario(f"{what}={spec!r}: module {module_name!r} has no attribute "
                              f"{attr!r}") from None


def _integration(world: World, override: Integration | str | None) -> Integration | None:
    spec = override if override is not None else world.integration
    if spec is None:
        return None
    obj = _resolve(spec, "integration") if isinstance(spec, str) else spec
    if not isinstance(obj, Integration) and callable(obj):
        obj = obj(tolerate_rejects=world.tolerate_rejects, batch_size=world.batch_size)
    if not isinstance(obj, Integration):
        raise InvalidScenario(
            f"integration={spec!r} is a {type(obj).__name__}, not an Integration (nor a builder "
            f"returning one); build it with spmkit.define_integration(...)"
        )
    return obj


@contextmanager
def _store_location(world: World) -> Iterator[str]:
    if world.store == "memory":
        yield ":memory:"
        return
    with tempfile.TemporaryDirectory(prefix="spmkit-scenario-") as directory:
        yield str(Path(directory) / "spmkit.sqlite3")


class _Run:
    """One execution of a scenario's timeline against a Simulation."""

    def __init__(self, scenario: Scenario, sim: Simulation, seed: int, adapter: Adapter) -> None:
        self.scenario = scenario
        self.world = scenario.world
        self.sim = sim
        self.seed = seed
        assert sim.integration is not None
        policies = {s.entity: s.tolerate_rejects for s in sim.integration.sync_steps}
        self.oracle = Oracle(sim.db, sim.fake, list(adapter(sim)), policies)
        self.undo: dict[str, Callable[[], None]] = {}
        self.violations: list[Violation] = []
        self._seen: set[tuple[str, str, str | None]] = set()
        self.cursors = [self._cursors()]
        self.journal_marks = [len(sim.fake.journal)]

    def _cursors(self) -> dict[tuple[str, str], datetime | None]:
        return {(c.entity, c.source_key): c.last_synced_at for c in self.sim.db.list_cursors()}

    # -- partner writes ------------------------------------------------------------------

    def write(self, items: Sequence[Record | Factory]) -> None:
        for item in items:
            for rec in item.expand(self.seed) if isinstance(item, Factory) else [item]:
                source = self._stream(rec.stream)
                stamp = None if rec.at is None else source.partner_now() + rec.at
                source.put(rec.key, rec.data, lag=rec.lag + self.world.lag, updated_at=stamp)

    def _stream(self, name: str) -> Any:
        try:
            return self.sim.partner.stream(name)
        except KeyError as exc:
            raise InvalidScenario(str(exc.args[0])) from None

    # -- ticks ---------------------------------------------------------------------------

    def tick(self, *, full: bool = False) -> None:
        now = self.sim.clock.now()
        summary: SyncSummary | None = self.sim.tick(full_backfill=full)
        self._record(now, summary, full)

    def _record(self, now: datetime, summary: SyncSummary | None, full: bool) -> None:
        if summary is None:
            self.oracle.rebind_store(self.sim.db)
        index = len(self.sim.trace)
        finished = self.sim.clock.now()
        for v in self.oracle.check(index, now, summary, full, finished=finished):
            key = (v.invariant, v.where, v.record)
            if key not in self._seen:
                self._seen.add(key)
                self.violations.append(v)
        self.cursors.append(self._cursors())
        self.journal_marks.append(len(self.sim.fake.journal))

    def webhook(self, step: Webhook) -> None:
        """Deliver a webhook; an accepted sync/activate is a tick the oracle checks."""
        before, now = len(self.sim.trace), self.sim.clock.now()
        results = self.sim.deliver_webhook(step.event, sent=step.sent, times=step.times,
                                           tamper=step.tamper)
        if len(self.sim.trace) == before:
            return
        summary = next((r.summary for r in results if r.summary is not None), None)
        self._record(now, summary, self.sim.trace[-1].full_backfill)

    def step(self, step: Step) -> None:
        sim = self.sim
        if isinstance(step, Tick):
            for _ in range(step.n):
                self.tick()
        elif isinstance(step, FullBackfill):
            self.tick(full=True)
        elif isinstance(step, Advance | ClockStep):
            sim.advance(step.delta)
        elif isinstance(step, RunFor):
            # A fixed schedule, like cron: tick k at start + k * every. Retries and latency
            # take simulated time, so a tick may end after the next slot: that one is late.
            begin = sim.clock.now()
            slots = int(step.duration / step.every)
            for k in range(1, slots + 1):
                late = begin + k * step.every - sim.clock.now()
                if late > timedelta(0):
                    sim.advance(late)
                self.tick()
        elif isinstance(step, FaultOn):
            self._fault_on(step.name, step.fault)
        elif isinstance(step, FaultOff):
            undo = self.undo.pop(step.name, None)
            if undo is None:
                on = ", ".join(sorted(self.undo)) or "none"
                raise InvalidScenario(f"fault_off({step.name!r}): no fault is on under that "
                                      f"name (on now: {on})")
            undo()
        elif isinstance(step, Add):
            self.write(step.records)
        elif isinstance(step, Update):
            source = self._stream(step.stream)
            stamp = None if step.at is None else source.partner_now() + step.at
            source.update(step.key, step.changes, lag=step.lag + self.world.lag,
                          updated_at=stamp)
        elif isinstance(step, Delete):
            self._stream(step.stream).delete(step.key, lag=step.lag + self.world.lag)
        elif isinstance(step, Crash):
            sim.crash_at(step.at, nth=step.nth)
        elif isinstance(step, Webhook):
            self.webhook(step)
        else:  # pragma: no cover - Step is a closed union
            raise InvalidScenario(f"unknown timeline step {step!r}")

    def _fault_on(self, name: str, fault: Fault) -> None:
        if name in self.undo:
            raise InvalidScenario(f"fault_on({name!r}, ...): a fault is already on under that "
                                  f"name; switch it off first or pick another name")
        self.undo[name] = fault.apply(self.sim)

    # -- the end -------------------------------------------------------------------------

    def undelivered(self) -> tuple[list[str], int]:
        """Live, readable partner records neither in the fake (latest version) nor
        dead-lettered; and how many of them a cursor has passed (lost for good)."""
        out: list[str] = []
        lost = 0
        now = self.sim.clock.now()
        for b in self.oracle.bindings:
            stored = self.sim.fake.records(b.resource)
            dead = {d.item_key for d in self.sim.db.list_rejected(entity=b.entity,
                                                                   limit=1_000_000)}
            cursor = self.sim.cursor(b.entity, b.source_key)
            for rec in b.source.records(include_deleted=False):
                if rec.visible_at > now:
                    continue
                item = stored.get(b.item_key(rec.key))
                version = b.version(item) if item is not None else None
                if version is not None and version >= rec.updated_at:
                    continue
                if b.item_key(rec.key) in dead:
                    continue
                where = b.entity + (f"@{b.source_key}" if b.source_key else "")
                state = ("nothing" if item is None else "an older version" if version is not None
                         else "an item it cannot count as this one (another data source's, or "
                              "without updated_at)")
                passed = cursor is not None and max(rec.updated_at, rec.visible_at) <= cursor
                lost += passed
                fate = "the cursor passed it: lost" if passed else "the cursor has not passed it"
                out.append(f"{where} {rec.key!r} (updated_at {format_instant(rec.updated_at)}): "
                           f"the fake holds {state}; {fate}")
        return out, lost


def run_scenario(scenario: Scenario, *, seed: int | None = None,
                 integration: Integration | str | None = None,
                 adapter: Adapter | str | None = None) -> ScenarioResult:
    """Run ``scenario`` and return its :class:`ScenarioResult` (never raises on a failed
    expectation; call ``result.raise_on_failure()`` for that).

    ``seed`` overrides the world's seed; ``integration`` (an Integration, a builder, or
    ``"module:attr"``) and ``adapter`` override the world's.
    """
    if not isinstance(scenario, Scenario):
        raise InvalidScenario(f"run_scenario expects a Scenario, got {scenario!r}; load one with "
                              f"load_scenario(name_or_path)")
    world = scenario.world
    seed = world.seed if seed is None else seed
    started = time.perf_counter()  # reporting only: never feeds the simulation
    engine = _integration(world, integration)
    adapter_spec = adapter if adapter is not None else world.adapter
    bind: Adapter = (reference_bindings if adapter_spec is None else
                     _resolve(adapter_spec, "adapter") if isinstance(adapter_spec, str)
                     else adapter_spec)
    with _store_location(world) as location:
        sim = Simulation(integration=engine, start=world.start, seed=seed,
                         tolerate_rejects=world.tolerate_rejects,
                         overlap_seconds=world.overlap_seconds, backfill_days=world.backfill_days,
                         batch_size=world.batch_size, partner_skew=world.skew,
                         stores=tuple(world.stores), store=location)
        try:
            run = _Run(scenario, sim, seed, bind)
            run.write(world.records)
            for step in scenario.timeline:
                run.step(step)
            result = _verdict(run, started)
        finally:
            sim.close()
    return result


def _partner_keys(bindings: Sequence[StreamBinding]) -> dict[str, set[str]]:
    """Resource -> the item keys of every partner record (any version) that feeds it."""
    out: dict[str, set[str]] = {}
    for b in bindings:
        out.setdefault(b.resource, set()).update(
            b.item_key(r.key) for r in b.source.records(include_deleted=True))
    return out


def _verdict(run: _Run, started: float) -> ScenarioResult:
    sim, scenario = run.sim, run.scenario
    undelivered, lost = run.undelivered()
    reported = {v.invariant for v in run.violations}
    expected = _expected_invariants(scenario)
    evidence = Evidence(start=scenario.world.start, trace=sim.trace, cursors=run.cursors,
                        fake=sim.fake, store=sim.db, reported=reported,
                        undelivered=undelivered, webhooks=list(sim.webhooks),
                        partner_keys=_partner_keys(run.oracle.bindings),
                        journal_marks=run.journal_marks)
    failures = [f"unexpected violation: {v}" for v in run.violations
                if v.invariant not in expected]
    for expectation in scenario.expect:
        problem = expectation.check(evidence)
        if problem is not None:
            failures.append(problem)
    context = f"timeline:\n{format_timeline(sim.trace)}\nseed={run.seed}"
    for v in run.violations:
        v.with_context(context)
    records = sum(len(b.source.records(include_deleted=False)) for b in run.oracle.bindings)
    stats = ScenarioStats(ticks=len(sim.trace), records=records, lost=lost,
                          undelivered=len(undelivered),
                          dead_lettered=sim.db.count_rejected(),
                          wall_seconds=time.perf_counter() - started)
    return ScenarioResult(scenario=scenario, seed=run.seed, passed=not failures,
                          failures=failures, violations=list(run.violations),
                          trace=list(sim.trace), stats=stats, undelivered=undelivered)
