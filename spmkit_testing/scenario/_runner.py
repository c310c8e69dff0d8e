"""Running a scenario: build the Simulation, apply each timeline verb, check, settle.

For example::

    result = run_scenario(load_scenario("poison_pill"), seed=3)
    assert result.passed, result.message()
    result.raise_on_failure()        # the same, as a ScenarioFailed (an AssertionError)

    run_scenario(load_scenario("poison_pill"), integration=mine, adapter=my_adapter)

A scenario that does not apply to the integration (it needs a per-source stream the
integration does not have, or it runs an integration of its own) comes back with
``skipped`` set to the reason: it is never silently passed.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from faker import Faker

from spmkit import Integration, InvalidArgument
from spmkit_testing._dsl import InvalidScenario
from spmkit_testing.adapter import Adapter
from spmkit_testing.oracle import Violation, format_timeline
from spmkit_testing.partner._payloads import fake_payload, key_for
from spmkit_testing.scenario._expect import Evidence, Violates
from spmkit_testing.scenario._records import Factory, Record
from spmkit_testing.scenario._scenario import Scenario, World
from spmkit_testing.scenario._timeline import Step
from spmkit_testing.simulation import UNSET, Simulation, TickTrace

__all__ = ["ScenarioFailed", "ScenarioResult", "ScenarioRun", "ScenarioStats",
           "resolve_object", "run_scenario"]

# A hazard scenario may lose many records the same way: list the first few.
_LISTED_EXPECTED = 10


class ScenarioFailed(AssertionError):
    """A scenario's expectations did not hold: what failed, the timeline and the seed."""


@dataclass(frozen=True, slots=True)
class ScenarioStats:
    """Counts of one run at the end of its timeline.

    ``records``: live partner records; ``undelivered``: of those, neither in the fake
    API (latest version) nor dead-lettered; ``lost``: of those, the ones a cursor has
    already passed for good; ``wall_seconds`` is measured for reporting only.
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
    ``violations``, the ``trace`` (one :class:`TickTrace` per tick), ``stats``, ``seed``,
    the ``integration`` that ran, ``skipped`` (why) for a scenario that did not apply,
    ``warnings`` (declared faults that never fired) and the ``resources`` of its streams."""

    scenario: Scenario
    seed: int
    passed: bool
    failures: list[str]
    violations: list[Violation]
    trace: list[TickTrace]
    stats: ScenarioStats
    integration: str = ""
    undelivered: list[str] = field(default_factory=list)
    skipped: str | None = None
    settle_from: int | None = None
    warnings: list[str] = field(default_factory=list)
    resources: dict[str, str] = field(default_factory=dict)

    @property
    def expected_violations(self) -> list[Violation]:
        """The violations the scenario expects with ``violates(...)``: the hazard it
        demonstrates (empty for a scenario that expects none)."""
        expected = _expected_invariants(self.scenario)
        return [v for v in self.violations if v.invariant in expected]

    def message(self) -> str:
        """What failed (or that it passed), the expected violations of a scenario that
        demonstrates a hazard, the text timeline and ``seed=…``."""
        name = f"scenario {self.scenario.name!r} against {self.integration!r}"
        if self.skipped is not None:
            return f"{name} skipped: {self.skipped}"
        head = (f"{name} passed" if self.passed else
                f"{name} failed:\n" + "\n".join(f"  - {f}" for f in self.failures))
        expected = self.expected_violations
        if expected:
            more = len(expected) - _LISTED_EXPECTED
            head += (f"\nexpected violation{'s' if len(expected) > 1 else ''} (this scenario "
                     f"demonstrates a hazard):\n"
                     + "\n".join(f"  - {v.one_line()}" for v in expected[:_LISTED_EXPECTED])
                     + (f"\n  … and {more:,} more." if more > 0 else ""))
        warned = "".join(f"\nwarning: {w}" for w in self.warnings)
        return f"{head}{warned}\ntimeline:\n{format_timeline(self.trace)}\nseed={self.seed}"

    def raise_on_failure(self) -> None:
        """Raise :class:`ScenarioFailed` with :meth:`message` unless the scenario passed."""
        if not self.passed:
            raise ScenarioFailed(self.message())


def _expected_invariants(scenario: Scenario) -> set[str]:
    return {e.invariant for e in scenario.expect if isinstance(e, Violates)}


def resolve_object(spec: str, what: str) -> Any:
    """``"package.module:attribute"`` -> the attribute; the current directory is importable
    (as pytest's rootdir is), so ``my_integration:adapter`` works from a project folder."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InvalidScenario(f"{what}={spec!r} must be 'package.module:attribute', such as "
                              f"'my_integration.sync:integration'")
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
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


def _integration(value: Any) -> Integration | Any:
    obj = resolve_object(value, "integration") if isinstance(value, str) else value
    if not isinstance(obj, Integration) and not callable(obj):
        raise InvalidScenario(f"integration={value!r} is a {type(obj).__name__}, not an "
                              f"Integration (nor a builder returning one)")
    return obj


def _adapter(value: Any) -> Adapter | None:
    obj = resolve_object(value, "adapter") if isinstance(value, str) else value
    if obj is not None and not isinstance(obj, Adapter):
        raise InvalidScenario(f"adapter={value!r} is a {type(obj).__name__}, not an "
                              f"spmkit_testing.Adapter")
    return obj


def _slug(integration: Any) -> str:
    return integration.slug if isinstance(integration, Integration) else getattr(
        integration, "__name__", repr(integration))


def applies(scenario: Scenario, integration: Any, adapter: Adapter | None) -> str | None:
    """Why ``scenario`` does not apply to ``integration`` + ``adapter`` (``None``: it does)."""
    if scenario.world.integration is not None and integration is not None:
        return (f"it runs its own integration ({scenario.world.integration}), not "
                f"{_slug(integration)!r}")
    if adapter is None:
        return None
    missing = [need for need in scenario.requirements() if need not in adapter.capabilities]
    if missing:
        has = ", ".join(sorted(adapter.capabilities))
        return f"it needs {', '.join(missing)}; the adapter has {has}"
    if scenario.world.batch_size is not None and isinstance(integration, Integration):
        return (f"it needs batch_size={scenario.world.batch_size}, which cannot be applied to "
                f"an Integration object (pass a builder)")
    return None


@contextmanager
def _store_location(world: World) -> Iterator[str]:
    if world.store == "memory":
        yield ":memory:"
        return
    with tempfile.TemporaryDirectory(prefix="spmkit-scenario-") as directory:
        yield str(Path(directory) / "spmkit.sqlite3")


class _Play:
    """The timeline's view of the world: the Simulation and how records are written."""

    def __init__(self, sim: Simulation, world: World, seed: int) -> None:
        self.sim = sim
        self.lag = world.lag
        self._seed = seed

    @cached_property
    def faker(self) -> Faker:
        """Built on first use: most timelines write named records, not factories."""
        faker = Faker()
        faker.seed_instance(self._seed)
        return faker

    def write(self, items: tuple[Record | Factory, ...]) -> None:
        for item in items:
            if isinstance(item, Record):
                self.sim.put(item.stream, item.key, item.fields or None, at=item.at,
                             lag=item.lag + self.lag, poisoned=item.poisoned)
            else:
                self._expand(item)

    def _expand(self, factory: Factory) -> None:
        sim = self.sim
        if factory.stream is None:
            targets = [(s, k) for s, k, _ in sim.partner]
        else:
            stream, key = sim.resolve(factory.stream)
            keys = [key] if key or not stream.per_source else sim.partner.sources
            targets = [(stream.name, k) for k in keys]
        for stream_name, source in targets:
            resource = sim.adapter.stream(stream_name).resource
            prefix = factory.prefix or resource[0]
            for i in range(1, factory.count + 1):
                key = key_for(resource, prefix, i) + (f"-{source}" if source else "")
                at = -(factory.spread * (factory.count - i)) / factory.count
                ref = stream_name + (f"@{source}" if source else "")
                sim.put(ref, key, fake_payload(resource, self.faker, key), at=at,
                        lag=self.lag, poisoned=factory.poisoned)


def run_scenario(scenario: Scenario, *, seed: int | None = None,
                 integration: Integration | Any | str | None = None,
                 adapter: Adapter | str | None = None) -> ScenarioResult:
    """Run ``scenario`` and return its :class:`ScenarioResult` (never raises on a failed
    expectation; call ``result.raise_on_failure()`` for that).

    ``seed`` overrides the world's; ``integration`` (an Integration, a builder or
    ``"module:attr"``) and ``adapter`` (an Adapter or ``"module:attr"``) name the
    integration under test (default: the reference Demo POS).
    """
    if not isinstance(scenario, Scenario):
        raise InvalidScenario(f"run_scenario expects a Scenario, got {scenario!r}; load one with "
                              f"load_scenario(name_or_path)")
    world = scenario.world
    seed = world.seed if seed is None else seed
    started = time.perf_counter()  # reporting only: never feeds the simulation
    given = None if integration is None else _integration(integration)
    own = None if world.integration is None else _integration(world.integration)
    chosen_adapter = _adapter(adapter if adapter is not None else world.adapter)
    reason = applies(scenario, given, chosen_adapter)
    engine = given if given is not None else own
    if reason is None and chosen_adapter is None and engine is not None \
            and not _slug(engine).startswith("demo-pos") and isinstance(engine, Integration):
        reason = "no adapter was given for this integration"
    if reason is not None:
        return _skipped(scenario, seed, _slug(engine) if engine is not None else "demo-pos",
                        reason)
    with ScenarioRun(world, seed=seed, integration=engine, adapter=chosen_adapter,
                     label=scenario.name) as run:
        for step in scenario.timeline:
            run.apply(step)
        return _verdict(scenario, run.sim, seed, started)


class ScenarioRun:
    """A world brought to life, then its timeline applied one step at a time.

    :func:`run_scenario` and the property check (:mod:`spmkit_testing.stateful`) both run
    through it, so a counterexample the property check writes out replays the very same
    world. For example::

        with ScenarioRun(World(seed=3), seed=3) as run:
            run.apply(add(record("c1")))
            run.apply(tick())
            run.sim.violations
    """

    def __init__(self, world: World, *, seed: int, integration: Any = None,
                 adapter: Adapter | None = None, label: str = "the scenario") -> None:
        self.world = world
        self._location = _store_location(world)
        location = self._location.__enter__()
        try:
            self.sim = Simulation(
                integration, adapter, seed=seed, start=world.start,
                tolerate_rejects=(UNSET if world.tolerate_rejects is None
                                  else world.tolerate_rejects),
                batch_size=UNSET if world.batch_size is None else world.batch_size,
                overlap_seconds=world.overlap_seconds, backfill_days=world.backfill_days,
                skew=world.skew, sources=world.sources, store=location)
        except BaseException:
            self._location.__exit__(None, None, None)
            raise
        self._play = _Play(self.sim, world, seed)
        _apply(f"World(records=...) of {label!r}",
               lambda: self._play.write(tuple(world.records)))

    def apply(self, step: Step) -> None:
        """Apply one timeline step (an argument the world refuses is an InvalidScenario)."""
        _apply(f"timeline step {step!r}", lambda: step.apply(self._play))

    def close(self) -> None:
        """Release the simulation and its store."""
        try:
            self.sim.close()
        finally:
            self._location.__exit__(None, None, None)

    def __enter__(self) -> ScenarioRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _apply(what: str, action: Any) -> None:
    """Run one verb; a refused argument (an unknown stream, a fault switched off twice) is
    an :class:`InvalidScenario` naming the step."""
    try:
        action()
    except InvalidScenario:
        raise
    except InvalidArgument as exc:
        raise InvalidScenario(f"{what}: {exc}") from exc


def _check(expectation: Any, evidence: Evidence) -> str | None:
    try:
        problem: str | None = expectation.check(evidence)
    except InvalidArgument as exc:
        return f"{expectation!r}: {exc}"
    return problem


def _skipped(scenario: Scenario, seed: int, slug: str, reason: str) -> ScenarioResult:
    stats = ScenarioStats(0, 0, 0, 0, 0, 0.0)
    return ScenarioResult(scenario, seed, True, [], [], [], stats, slug, skipped=reason)


def _verdict(scenario: Scenario, sim: Simulation, seed: int, started: float) -> ScenarioResult:
    undelivered = sim.undelivered()
    shown = [str(u) for u in undelivered]
    evidence = Evidence(sim, scenario.world.start, set(), shown)
    # What the world looks like at the end of the timeline; violates(...) is judged last,
    # since a hazard may show itself only once the run settles (I10).
    problems = [p for p in (_check(e, evidence) for e in scenario.expect
                            if not isinstance(e, Violates)) if p is not None]
    records = sum(len(d.records(include_deleted=False)) for _, _, d in sim.partner)
    stats = ScenarioStats(ticks=len(sim.trace), records=records,
                          lost=sum(u.lost for u in undelivered), undelivered=len(undelivered),
                          dead_lettered=sim.db.count_rejected(),
                          wall_seconds=time.perf_counter() - started)
    warnings = [f"fault_on({h.name!r}, {h.fault!r}) never fired: the scenario declares a "
                f"fault that did not happen, so it tests less than it says"
                for h in sim.unfired()]
    settle_from = None
    if scenario.settle:
        settle_from = len(sim.trace) + 1
        sim.settle()
    expected = _expected_invariants(scenario)
    evidence.reported = {v.invariant for v in sim.violations}
    problems += [p for p in (_check(e, evidence) for e in scenario.expect
                             if isinstance(e, Violates)) if p is not None]
    failures = [f"unexpected violation: {v}" for v in sim.violations
                if v.invariant not in expected] + problems
    context = f"timeline:\n{format_timeline(sim.trace)}\nseed={seed}"
    for v in sim.violations:
        v.with_context(context)
    return ScenarioResult(scenario=scenario, seed=seed, passed=not failures,
                          failures=failures, violations=list(sim.violations),
                          trace=list(sim.trace), stats=stats, integration=sim.integration.slug,
                          undelivered=shown, settle_from=settle_from, warnings=warnings,
                          resources={s.name: s.resource for s in sim.adapter.streams})

