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

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spmkit import Integration, InvalidArgument
from spmkit_testing._dsl import InvalidScenario
from spmkit_testing.adapter import Adapter
from spmkit_testing.oracle import Violation
from spmkit_testing.scenario._evidence import Evidence
from spmkit_testing.scenario._expect import Violates
from spmkit_testing.scenario._grouped import group_violations
from spmkit_testing.scenario._scenario import Scenario
from spmkit_testing.scenario._verb import Step
from spmkit_testing.sim import (
    Simulation,
    Target,
    TickTrace,
    World,
    format_timeline,
    step_errors,
)

__all__ = ["ScenarioFailed", "ScenarioResult", "ScenarioStats", "apply_step", "applies",
           "run_scenario", "simulate", "target_of"]

# A hazard scenario may lose many records the same way: list the first few.
_LISTED_EXPECTED = 10
# The distinct step errors a failure message shows in full (the timeline clips them).
_LISTED_ERRORS = 5


class ScenarioFailed(AssertionError):
    """A scenario's expectations did not hold: what failed, the timeline and the seed."""


@dataclass(frozen=True, slots=True)
class ScenarioStats:
    """Counts of one run at its very end, settle included: the facts the oracle judged.

    ``ticks``: every tick that ran, ``settle_ticks`` of them while the run settled
    (faults off, the partner quiet); ``records``: live partner records; ``undelivered``:
    of those, neither in the fake API (latest version) nor dead-lettered (what I10
    reports as not caught up); ``lost``: of those, the ones a cursor has passed for good
    (what I3 reports); ``wall_seconds`` is measured for reporting only.
    """

    ticks: int
    records: int
    lost: int
    undelivered: int
    dead_lettered: int
    wall_seconds: float
    settle_ticks: int = 0

    def text(self) -> str:
        """``ticks=16 (15 settling) records=23 lost=0 undelivered=23 ...``: the footer."""
        settling = f" ({self.settle_ticks} settling)" if self.settle_ticks else ""
        return (f"ticks={self.ticks}{settling} records={self.records} lost={self.lost} "
                f"undelivered={self.undelivered} dead_lettered={self.dead_lettered} "
                f"wall={self.wall_seconds:.2f}s")


@dataclass
class ScenarioResult:
    """The verdict of one run: ``passed``, readable ``failures``, the oracle's
    ``violations``, the ``trace`` (one :class:`TickTrace` per tick), ``stats``, ``seed``,
    the ``integration`` that ran, ``skipped`` (why) for a scenario that did not apply,
    ``warnings`` (declared faults that never fired), the ``resources`` of its streams, and
    ``behind``: per step-source, the keys of the records undelivered at the end."""

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
    behind: dict[str, list[str]] = field(default_factory=dict)

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
            groups = group_violations(expected)
            more = len(groups) - _LISTED_EXPECTED
            head += (f"\nexpected violation{'s' if len(expected) > 1 else ''} (this scenario "
                     f"demonstrates a hazard):\n"
                     + "\n".join(f"  - {g.one_line(Violation.titles, self.behind.get(g.where, ()))}"
                                  for g in groups[:_LISTED_EXPECTED])
                     + (f"\n  … and {more:,} more." if more > 0 else ""))
        if not self.passed:
            head += _step_errors_text(self.trace)
        warned = "".join(f"\nwarning: {w}" for w in self.warnings)
        return f"{head}{warned}\ntimeline:\n{format_timeline(self.trace)}\nseed={self.seed}"

    def verdict(self) -> dict[str, Any]:
        """The verdict as JSON-ready data (the last line of ``spmkit run --json``): the
        scenario, integration and seed, ``passed``, ``skipped`` (why, or None), the
        ``failures`` as :meth:`message` words them, every violation (``expected`` for one
        the scenario demonstrates) and the stats."""
        expected = _expected_invariants(self.scenario)
        return {
            "scenario": self.scenario.name, "integration": self.integration, "seed": self.seed,
            "passed": self.passed, "skipped": self.skipped, "failures": list(self.failures),
            "violations": [{"invariant": v.invariant, "tick": v.tick, "where": v.where,
                            "record": v.record, "detail": v.detail,
                            "expected": v.invariant in expected} for v in self.violations],
            "stats": dataclasses.asdict(self.stats),
        }

    def raise_on_failure(self) -> None:
        """Raise :class:`ScenarioFailed` with :meth:`message` unless the scenario passed."""
        if not self.passed:
            raise ScenarioFailed(self.message())


def _step_errors_text(trace: list[TickTrace]) -> str:
    """Each distinct step error once, in full: an error in the integration's own code names
    its file and line (``AttributeError at my_sync.py:42 in from_ms: ...``)."""
    errors = step_errors(trace)
    if not errors:
        return ""
    lines = [f"  - {e.where}, tick {e.first_tick}"
             + (f" (and {e.ticks - 1} more)" if e.ticks > 1 else "") + f": {e.error}"
             for e in errors[:_LISTED_ERRORS]]
    more = len(errors) - _LISTED_ERRORS
    if more > 0:
        lines.append(f"  … and {more} more.")
    return "\nstep errors (each distinct one once):\n" + "\n".join(lines)


def _expected_invariants(scenario: Scenario) -> frozenset[str]:
    return scenario.demonstrates


def target_of(integration: Integration | Any | str | None = None,
              adapter: Adapter | str | None = None) -> Target:
    """The :class:`~spmkit_testing.Target` of ``integration`` (an Integration, a builder or
    ``"module:attr"``) and its ``adapter`` (the reference Demo POS when neither is given)."""
    if isinstance(integration, Target):
        return integration
    return Target(integration, adapter)


def applies(scenario: Scenario, integration: Target | Integration | Any | str | None = None,
            adapter: Adapter | str | None = None) -> str | None:
    """Why ``scenario`` does not apply to an integration (``None``: it does): a
    :class:`~spmkit_testing.Target`, or ``integration`` and ``adapter`` as
    :func:`run_scenario` takes them."""
    target = target_of(integration, adapter)
    if scenario.target is not None and target.named:
        return (f"it runs its own integration ({scenario.target!r}), not "
                f"{target.slug!r}")
    adapter = (scenario.target or target).resolved()[1]
    missing = [need for need in scenario.requirements() if need not in adapter.capabilities]
    if missing:
        has = ", ".join(sorted(adapter.capabilities))
        return f"it needs {', '.join(missing)}; the adapter has {has}"
    if scenario.world.batch_size is not None:
        refused = (scenario.target or target).refuses_batch_size()
        if refused is not None:
            return f"it needs batch_size={scenario.world.batch_size}, and {refused}"
    return None


def run_scenario(scenario: Scenario, *, seed: int | None = None,
                 integration: Integration | Any | str | None = None,
                 adapter: Adapter | str | None = None) -> ScenarioResult:
    """Run ``scenario`` and return its :class:`ScenarioResult` (never raises on a failed
    expectation; call ``result.raise_on_failure()`` for that).

    ``seed`` overrides the world's; ``integration`` (an Integration, a builder,
    ``"module:attr"`` or a :class:`~spmkit_testing.Target`) and ``adapter`` (an Adapter or
    ``"module:attr"``) name the integration under test (default: the reference Demo POS).
    """
    if not isinstance(scenario, Scenario):
        raise InvalidScenario(f"run_scenario expects a Scenario, got {scenario!r}; load one with "
                              f"load_scenario(name_or_path)")
    world = scenario.world if seed is None else dataclasses.replace(scenario.world, seed=seed)
    started = time.perf_counter()  # reporting only: never feeds the simulation
    given = target_of(integration, adapter)
    reason = applies(scenario, given)
    chosen = scenario.target or given
    if reason is not None:
        return _skipped(scenario, world.seed, chosen.slug, reason)
    with simulate(world, chosen, label=scenario.name) as sim:
        for step in scenario.timeline:
            apply_step(sim, step)
        return _verdict(scenario, sim, world.seed, started)


def simulate(world: World, target: Target, *, label: str = "the scenario") -> Simulation:
    """``Simulation(world, target)``, an argument the world refuses (an unknown stream in its
    records) reported as an :class:`InvalidScenario` naming ``label``."""
    sim: Simulation = _apply(f"World(...) of {label!r}", lambda: Simulation(world, target))
    return sim


def apply_step(sim: Simulation, step: Step) -> None:
    """Apply one timeline step (an argument the world refuses is an InvalidScenario naming
    the step)."""
    _apply(f"timeline step {step!r}", lambda: step.apply(sim))


def _apply(what: str, action: Callable[[], Any]) -> Any:
    """Run one verb; a refused argument (an unknown stream, a fault switched off twice) is
    an :class:`InvalidScenario` naming the step."""
    try:
        return action()
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
    shown = [str(u) for u in sim.undelivered()]
    evidence = Evidence(sim, scenario.world.start, set(), shown)
    # What the world looks like at the end of the timeline; violates(...) is judged last,
    # since a hazard may show itself only once the run settles (I10).
    problems = [p for p in (_check(e, evidence) for e in scenario.expect
                            if not isinstance(e, Violates)) if p is not None]
    warnings = [f"fault_on({h.name!r}, {h.fault!r}) never fired: the scenario declares a "
                f"fault that did not happen, so it tests less than it says"
                for h in sim.unfired()]
    settle_from = None
    if scenario.settle:
        settle_from = len(sim.trace) + 1
        sim.settle()
    # The counts, from the same facts the oracle judged last: the world once settled.
    end = sim.undelivered()
    records = sum(len(d.records(include_deleted=False)) for _, _, d in sim.partner)
    stats = ScenarioStats(
        ticks=len(sim.trace), records=records, lost=sum(u.lost for u in end),
        undelivered=len(end), dead_lettered=sim.db.count_rejected(),
        wall_seconds=time.perf_counter() - started,
        settle_ticks=0 if settle_from is None else len(sim.trace) - settle_from + 1)
    expected = _expected_invariants(scenario)
    evidence.reported = {v.invariant for v in sim.violations}
    problems += [p for p in (_check(e, evidence) for e in scenario.expect
                             if isinstance(e, Violates)) if p is not None]
    behind: dict[str, list[str]] = {}
    for u in end:
        behind.setdefault(u.where, []).append(u.record.key)
    failures = [f"unexpected violation: {g.one_line(Violation.titles, behind.get(g.where, ()))}"
                for g in group_violations(v for v in sim.violations if v.invariant not in expected)]
    failures += problems
    context = f"timeline:\n{format_timeline(sim.trace)}\nseed={seed}"
    for v in sim.violations:
        v.with_context(context)
    return ScenarioResult(scenario=scenario, seed=seed, passed=not failures,
                          failures=failures, violations=list(sim.violations),
                          trace=list(sim.trace), stats=stats, integration=sim.integration.slug,
                          undelivered=[str(u) for u in end], settle_from=settle_from,
                          warnings=warnings, behind=behind,
                          resources={s.name: s.resource for s in sim.adapter.streams})

